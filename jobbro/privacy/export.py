"""Everything jobbro holds about one citizen, as JSON (for machines) and a PDF (for the citizen), in one ZIP.

The rows are those of the table in registry.py, model by model: every record, its history (the history tables are
records too), the change log (audit.ChangeLog: who changed what, when) and the read log (audit.AccessLog: who opened
which page, when). Secrets that are not the citizen's data are left out: the CPR number's token and look-up hash (the
number itself is shown masked, or in clear when the user may reveal it and asked to), link tokens' digests, project
keys and the files attached to messages. Case notes are in: the export is the citizen's right to see their data.
"""

import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobbro import filenames
from jobbro.days import today
from jobbro.privacy import registry
from jobbro.privacy.models import RecordKind

# Fields never exported: keys and digests that are not about the citizen, and bulky encoded files.
LEFT_OUT = frozenset(
    {
        "people.Citizen.cpr_encrypted",
        "people.Citizen.cpr_hash",
        "portal.AccessLink.digest",
        "cases.ProgressionInvitation.token_hash",
        "cases.ProgressionInvitation.code_hash",
        "effect.ProjectKey.key_token",
        "effect.ProjectKey.key_digest",
        "messaging.Message.attachments",
        "messaging.Message.unsubscribe_url",
        "messaging.Message.dedupe_key",
        "privacy.DataExport.content",
        "privacy.DataExport.worker",
    }
)


def _fields(model):
    label = model._meta.label
    return [field for field in model._meta.concrete_fields if f"{label}.{field.name}" not in LEFT_OUT]


def _names_of_related(model, rows):
    """{(field name, pk): str(related object)} for the foreign keys of the rows, one query per related model."""
    names = {}
    for field in _fields(model):
        if not field.is_relation:
            continue
        ids = {row[field.attname] for row in rows if row[field.attname] is not None}
        if not ids:
            continue
        related = field.related_model._default_manager.in_bulk(ids)
        for pk, obj in related.items():
            names[(field.name, pk)] = str(obj)
    return names


def collect(citizen, *, cpr_number=None):
    """[(entry, [row dicts])] for every model of the table with rows of the citizen, in table order. A row dict has
    each field's value (a foreign key's id under its name, with `<name>_display` naming it)."""
    sections = []
    for entry in registry.TABLE:
        model = entry.model
        fields = _fields(model)
        rows = list(entry.rows(citizen.pk).order_by("pk").values(*[field.attname for field in fields]))
        if not rows:
            continue
        names = _names_of_related(model, rows)
        out = []
        for row in rows:
            item = {}
            for field in fields:
                value = row[field.attname]
                item[field.name] = value
                if field.is_relation and value is not None:
                    item[f"{field.name}_display"] = names.get((field.name, value), "")
            if entry.label == "people.Citizen":
                item["cpr_number"] = cpr_number or citizen.masked_cpr
                item["target_groups"] = [str(group) for group in citizen.target_groups.all()]
            out.append(item)
        sections.append((entry, out))
    return sections


def as_json(citizen, sections, *, exported_by):
    document = {
        "exported_at": timezone.now(),
        "exported_by": str(exported_by),
        "citizen_id": citizen.pk,
        "records": {
            entry.label: {"kind": entry.kind, "name": str(entry.verbose_name), "rows": rows} for entry, rows in sections
        },
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _shown(field, value, row):
    """A value as the PDF shows it, in Danish: dates 22.11.2026, decimal commas, choices by their name."""
    if value is None or value == "":
        return "–"
    if field.is_relation:
        return row.get(f"{field.name}_display") or f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return str(value)


def pdf_sections(sections):
    """[(kind label, [(model name, [[(field label, value)]])])] for the PDF, grouped by kind in kind order."""
    by_kind = {}
    for entry, rows in sections:
        model = entry.model
        fields = _fields(model)
        shown_rows = []
        for row in rows:
            # Empty fields are left out of the PDF (the JSON has them all): fewer lines to lay out and to read.
            pairs = [
                (str(field.verbose_name), _shown(field, row[field.name], row))
                for field in fields
                if row[field.name] not in (None, "", [], {})
            ]
            if entry.label == "people.Citizen":
                pairs.insert(0, (_("CPR number"), row["cpr_number"]))
                pairs.append((_("target groups"), ", ".join(row["target_groups"]) or "–"))
            shown_rows.append(pairs)
        by_kind.setdefault(entry.kind, []).append((str(entry.verbose_name), shown_rows))
    labels = dict(RecordKind.choices)
    return [(str(labels[kind]), by_kind[kind]) for kind in RecordKind.values if kind in by_kind]


def as_pdf(citizen, sections, *, exported_by):
    from weasyprint import HTML, URLFetcher

    with translation.override("da"):
        html = render_to_string(
            "privacy/export_pdf.html",
            {
                "citizen": citizen,
                "kinds": pdf_sections(sections),
                "exported_by": exported_by,
                "exported_at": f"{timezone.localtime():%d.%m.%Y %H:%M}",
            },
        )
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def file_name(citizen):
    with translation.override("da"):
        return filenames.file_name(_("Citizen's data %(id)s") % {"id": citizen.pk}, "zip", on=today())


def build_zip(citizen, *, cpr_number=None, reader=None):
    """(the ZIP's bytes, the number of rows exported)."""
    sections = collect(citizen, cpr_number=cpr_number)
    buffer = io.BytesIO()
    with translation.override("da"):
        json_name = filenames.file_name(_("Citizen's data"), "json")
        pdf_name = filenames.file_name(_("Citizen's data"), "pdf")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(json_name, as_json(citizen, sections, exported_by=reader))
        archive.writestr(pdf_name, as_pdf(citizen, sections, exported_by=reader))
    return buffer.getvalue(), sum(len(rows) for _entry, rows in sections)
