"""The small-jobs board: its filters, and its export as a spreadsheet (xlsx) and a printable A4 list (PDF).

The export replaces the list the coordinator mailed every 14 days. It takes the same filters as the board
page, so what is exported is what the page shows. The spreadsheet has Danish column headers (it goes to
companies and colleagues as it is), one row per opening, under a header row naming the programme(s) and
the date. The PDF groups the openings by company. Neither holds anything about citizens.
"""

import io

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from jobbro import codes
from jobbro.accounts import access
from jobbro.companies.models import Company, Opening, Requirement
from jobbro.spreadsheets import append_row

# Danish on purpose: the file is mailed as it is, to Danish readers, whatever the user's UI language.
XLSX_COLUMNS = [
    ("title", "Job", 32),
    ("company", "Virksomhed", 28),
    ("kind", "Virksomhedstype", 22),
    ("address", "Adresse", 28),
    ("occupation", "Stilling (DISCO-08)", 24),
    ("tasks", "Opgaver", 50),
    ("weekly_hours", "Timer om ugen", 14),
    ("days", "Dage", 24),
    ("requirements", "Krav", 30),
    ("danish_level", "Dansk (niveau 1-5)", 16),
    ("buddy", "Buddy", 22),
    ("capacity", "Pladser", 9),
    ("posted_on", "Opslået", 12),
]

DANISH_DAYS = {
    "mon": "mandag",
    "tue": "tirsdag",
    "wed": "onsdag",
    "thu": "torsdag",
    "fri": "fredag",
    "sat": "lørdag",
    "sun": "søndag",
}


def board_openings(user, form):
    """The open openings on the user's programmes' boards that match the filter form (bound or not)."""
    openings = (
        Opening.objects.open()
        .filter(programme__in=access.visible_programmes(user))
        .select_related("company", "buddy", "programme")
    )
    if form.is_bound and form.is_valid():
        openings = filter_openings(openings, form.cleaned_data)
    return openings.order_by("-posted_on", "title", "pk")


def filter_openings(openings, data):
    if data.get("q"):
        q = data["q"]
        openings = openings.filter(Q(title__icontains=q) | Q(tasks__icontains=q) | Q(company__name__icontains=q))
    hours = data.get("hours")
    if hours == "10":
        openings = openings.filter(weekly_hours__lte=10)
    elif hours == "20":
        openings = openings.filter(weekly_hours__gt=10, weekly_hours__lte=20)
    elif hours == "21":
        openings = openings.filter(weekly_hours__gt=20)
    if data.get("day"):
        # Days are stored as a JSON list of codes; match the quoted code so "mon" never matches inside another.
        openings = openings.filter(days__icontains=f'"{data["day"]}"')
    if data.get("buddy"):
        openings = openings.filter(buddy__isnull=False)
    if data.get("occupation"):
        openings = openings.filter(occupation_code=data["occupation"])
    if data.get("postcode"):
        openings = openings.filter(company__postcode__startswith=data["postcode"])
    if data.get("company_kind"):
        openings = openings.filter(company__kind=data["company_kind"])
    if data.get("social_economic"):
        openings = openings.filter(company__kind=Company.Kind.SOCIAL_ECONOMIC)
    return openings


def _address(company):
    town = f"{company.postcode} {company.city}".strip()
    return ", ".join(part for part in (company.address, town) if part)


def row(opening):
    """One opening as the export's cells, in XLSX_COLUMNS order (labels in Danish)."""
    with translation.override("da"):
        requirements = dict(Requirement.choices)
        return {
            "title": opening.title,
            "company": opening.company.name,
            "kind": str(opening.company.get_kind_display()),
            "address": _address(opening.company),
            "occupation": f"{opening.occupation_code} {codes.occupation_title(opening.occupation_code)}"
            if opening.occupation_code
            else "",
            "tasks": opening.tasks,
            "weekly_hours": float(opening.weekly_hours),
            "days": ", ".join(DANISH_DAYS.get(d, d) for d in opening.days),
            "requirements": ", ".join(str(requirements.get(r, r)) for r in opening.requirements),
            "danish_level": opening.danish_level_required,
            "buddy": opening.buddy.name if opening.buddy else "",
            "capacity": opening.capacity,
            "posted_on": opening.posted_on,
        }


def _programme_names(openings, user):
    names = sorted({o.programme.name for o in openings}) or [p.name for p in access.visible_programmes(user)]
    return ", ".join(names)


def board_xlsx(openings, *, user, on=None):
    """The board as an xlsx file's bytes: a title row (programme and date), the column headers, a row per opening."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    on = on or timezone.localdate()
    openings = list(openings)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ledige småjob"
    # Every row through append_row: titles, tasks and names are typed by people and must never run as formulas.
    append_row(sheet, [f"Ledige småjob – {_programme_names(openings, user)} – {on:%d.%m.%Y}"])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, [label for _key, label, _width in XLSX_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for opening in openings:
        cells = row(opening)
        append_row(sheet, [cells[key] for key, _label, _width in XLSX_COLUMNS])
    for index, (key, _label, width) in enumerate(XLSX_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if key == "posted_on":
            for cell in sheet[letter][2:]:
                cell.number_format = "DD.MM.YYYY"
        if key == "tasks":
            for cell in sheet[letter][2:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    if openings:
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(XLSX_COLUMNS))}{len(openings) + 2}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def grouped_by_company(openings):
    """[(company, [openings])] in company-name order, openings by title."""
    groups = {}
    for opening in openings:
        groups.setdefault(opening.company_id, (opening.company, []))[1].append(opening)
    result = sorted(groups.values(), key=lambda group: group[0].name.lower())
    for _company, items in result:
        items.sort(key=lambda o: o.title.lower())
    return result


def render_board_html(openings, *, user, on=None):
    """The printable list's HTML (always Danish, like the spreadsheet)."""
    on = on or timezone.localdate()
    openings = list(openings)
    with translation.override("da"):
        return render_to_string(
            "companies/board_pdf.html",
            {
                "groups": [(company, [(o, row(o)) for o in items]) for company, items in grouped_by_company(openings)],
                "count": len(openings),
                "programmes": _programme_names(openings, user),
                "on": on,
            },
        )


def board_document(openings, *, user, on=None):
    """The laid-out WeasyPrint document (A4 pages)."""
    from weasyprint import HTML, URLFetcher

    html = render_board_html(openings, user=user, on=on)
    # No protocol allowed: the template is self-contained and must never load anything.
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=())).render()


def board_pdf(openings, *, user, on=None):
    """The board as an A4 PDF's bytes."""
    return board_document(openings, user=user, on=on).write_pdf()


__all__ = [
    "XLSX_COLUMNS",
    "board_document",
    "board_openings",
    "board_pdf",
    "board_xlsx",
    "filter_openings",
    "render_board_html",
    "row",
]
