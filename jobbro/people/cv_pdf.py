"""The CV as a one-page A4 PDF in Danish, for the citizen to take to a company.

Only what a CV shows goes into the template: the name, phone, e-mail and town, the job goal and
the CV lines. Never the CPR number, restrictions, parallel efforts or any other health data.
Without the citizen's consent to sharing data with companies on the day, the PDF says it is for the citizen
only: the job centre does not pass it on to a company (docs/consent.md).
WeasyPrint renders it without a browser; nothing is fetched from the network.
"""

from django.template.loader import render_to_string
from django.utils import translation

from jobbro.accounts.policy import UserCapabilities
from jobbro.days import today
from jobbro.people.consent import has_consent
from jobbro.people.models import ConsentKind, CVEntry, JobGoal

# The order the CV shows its sections in, on the page and in the PDF.
CV_SECTIONS = [
    CVEntry.Kind.WORK,
    CVEntry.Kind.INTERNSHIP,
    CVEntry.Kind.VOLUNTEER,
    CVEntry.Kind.EDUCATION,
    CVEntry.Kind.COURSE,
    CVEntry.Kind.LANGUAGE,
    CVEntry.Kind.SKILL,
]


def cv_sections(citizen):
    """The CV's entries grouped by kind, in CV order, empty kinds left out: [(kind, label, [entries])]."""
    entries = list(citizen.cv_entries.order_by("-starts_on", "-ends_on", "id"))
    labels = dict(CVEntry.Kind.choices)
    sections = []
    for kind in CV_SECTIONS:
        rows = [e for e in entries if e.kind == kind]
        # Undated lines (languages, skills) after the dated ones; newest first among those with dates.
        rows.sort(key=lambda e: e.starts_on is None)
        if rows:
            sections.append((kind, labels[kind], rows))
    return sections


# Type sizes (pt) tried in turn until the CV fits on one page; a very long CV keeps the smallest.
FONT_SIZES = (10, 9.2, 8.5, 7.8)


def cv_context(citizen, reader=None):
    """The CV's content. The job goal's own words are a case note: shown when the reader may read notes."""
    current = list(citizen.job_goals.filter(replaced_on__isnull=True).order_by("-set_on", "-id"))
    goals = [g for g in current if g.kind == JobGoal.Kind.GOAL] or [g for g in current if g.kind == JobGoal.Kind.WISH]
    return {
        "citizen": citizen,
        "goals": goals,
        "sections": cv_sections(citizen),
        "perms_jobbro": UserCapabilities(reader),
        "for_citizen_only": not has_consent(citizen, ConsentKind.DATA_SHARING, today()),
    }


def render_cv_html(citizen, *, font_size=FONT_SIZES[0], context=None, reader=None):
    with translation.override("da"):
        return render_to_string(
            "people/cv_pdf.html", {**(context or cv_context(citizen, reader)), "font_size": f"{font_size:g}"}
        )


def cv_document(citizen, reader=None):
    """The laid-out WeasyPrint document: one page if the type can be made to fit, at the largest size that does."""
    from weasyprint import HTML, URLFetcher

    # No protocol allowed: the template is self-contained and must never load anything.
    fetcher = URLFetcher(allowed_protocols=())
    context = cv_context(citizen, reader)
    document = None
    for size in FONT_SIZES:
        html = render_cv_html(citizen, font_size=size, context=context)
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
        if len(document.pages) == 1:
            break
    return document


def render_cv_pdf(citizen, reader=None):
    """The PDF file's bytes, as the reader (the user asking) may see it."""
    return cv_document(citizen, reader).write_pdf()
