"""An erasure's receipt, on a page and as a PDF: reference, date, who, what kinds of record were erased with counts,
and what was kept as statistics and why. Never the erased data: the citizen is named by their pseudonym and id."""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobbro import filenames
from jobbro.privacy import registry
from jobbro.privacy.models import RecordKind
from jobbro.privacy.registry import Treatment

KEPT_ATTRIBUTES = (
    "birth_date",
    "sex",
    "origin_group",
    "benefit_type",
    "lives_in_vulnerable_housing_area",
    "has_social_free_card",
    "match_category",
    "target_groups",
    "traffic_light",
)


def context(receipt):
    """The receipt's lines, grouped: deleted, kept without names and free text, kept as they are (with why)."""
    labels = dict(RecordKind.choices)
    lines = []
    for label, line in receipt.counts.items():
        entry = registry.BY_LABEL.get(label)
        model = entry.model if entry else None
        lines.append(
            {
                "kind": labels.get(line["kind"], line["kind"]),
                "order": RecordKind.values.index(line["kind"]) if line["kind"] in RecordKind.values else 99,
                "name": str(model._meta.verbose_name_plural) if model else label,
                "rows": line["rows"],
                "treatment": line["treatment"],
                "fields": [str(model._meta.get_field(name).verbose_name) for name in entry.blanked_fields]
                if entry
                else [],
                "why": str(entry.why) if entry and entry.why else "",
            }
        )
    lines.sort(key=lambda line: (line["order"], line["name"]))
    citizen_model = registry.BY_LABEL["people.Citizen"].model
    return {
        "deleted": [line for line in lines if line["treatment"] == Treatment.DELETE],
        "pseudonymised": [line for line in lines if line["treatment"] == Treatment.PSEUDONYMISE],
        "kept": [line for line in lines if line["treatment"] == Treatment.KEEP],
        "kinds": [labels[kind.kind] for kind in receipt.kinds.all()],
        "kept_attributes": [str(citizen_model._meta.get_field(name).verbose_name) for name in KEPT_ATTRIBUTES],
        "erased_at": f"{timezone.localtime(receipt.erased_at):%d.%m.%Y %H:%M}",
    }


def render_pdf(receipt):
    from weasyprint import HTML, URLFetcher

    with translation.override("da"):
        html = render_to_string("privacy/receipt_pdf.html", {"receipt": receipt, **context(receipt)})
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def file_name(receipt):
    with translation.override("da"):
        return filenames.file_name(_("Erasure receipt %(reference)s") % {"reference": receipt.reference}, "pdf")
