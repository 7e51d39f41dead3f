"""The small-jobs board: its filters, and its export as a spreadsheet (xlsx) and a printable A4 list (PDF).

The export replaces the list the coordinator mailed every 14 days. It takes the same filters as the board
page, so what is exported is what the page shows. The spreadsheet has Danish column headers (it goes to
companies and colleagues as it is), one row per opening, under a header row naming the programme(s) and
the date. The PDF groups the openings by company and is made only for a filter that leaves at most PDF_MAX_OPENINGS
openings; the spreadsheet holds every opening the filter leaves. Neither holds anything about citizens.
"""

import io

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from jobbro import codes
from jobbro.accounts import access
from jobbro.companies.models import Company, Opening, Requirement
from jobbro.days import today
from jobbro.spreadsheets import append_row, styled_cell

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

# The printable list holds at most this many openings. It is a list to print and hand out: a few dozen jobs near
# the reader are useful, a thousand pages are not, and WeasyPrint takes about 8 ms of processor time per opening
# (0.5 s at 50, measured on the 100,000-citizen demo), so the whole board of a large programme took minutes.
# Above it the board page and the PDF address ask the user to narrow the filter or take the spreadsheet, which
# holds every opening.
PDF_MAX_OPENINGS = 50

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


def row(opening, labels=None):
    """One opening as the export's cells, in XLSX_COLUMNS order (labels in Danish)."""
    labels = labels or _danish_labels()
    company = opening.company
    return {
        "title": opening.title,
        "company": company.name,
        "kind": labels["kinds"].get(company.kind, company.kind),
        "address": _address(company),
        "occupation": f"{opening.occupation_code} {codes.occupation_title(opening.occupation_code)}"
        if opening.occupation_code
        else "",
        "tasks": opening.tasks,
        "weekly_hours": float(opening.weekly_hours),
        "days": ", ".join(DANISH_DAYS.get(d, d) for d in opening.days),
        "requirements": ", ".join(labels["requirements"].get(r, r) for r in opening.requirements),
        "danish_level": opening.danish_level_required,
        "buddy": opening.buddy.name if opening.buddy else "",
        "capacity": opening.capacity,
        "posted_on": opening.posted_on,
    }


def _danish_labels():
    """The choice labels the cells use, in Danish, looked up once per export rather than once per row."""
    with translation.override("da"):
        return {
            "kinds": {value: str(label) for value, label in Company.Kind.choices},
            "requirements": {value: str(label) for value, label in Requirement.choices},
        }


def _programme_names(openings, user):
    names = sorted({o.programme.name for o in openings}) or [p.name for p in access.visible_programmes(user)]
    return ", ".join(names)


def board_xlsx(openings, *, user, on=None):
    """The board as an xlsx file's bytes: a title row (programme and date), the column headers, a row per opening.

    Written in openpyxl's write-only mode (rows streamed to the file, not kept as cell objects), so the whole
    board of a large programme, some thousands of openings, is written in well under a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    on = on or today()
    openings = list(openings)
    labels = _danish_labels()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ledige småjob")
    for index, (_key, _label, width) in enumerate(XLSX_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    if openings:
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(XLSX_COLUMNS))}{len(openings) + 2}"

    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    append_row(
        sheet,
        [
            styled_cell(
                sheet,
                f"Ledige småjob – {_programme_names(openings, user)} – {on:%d.%m.%Y}",
                font=Font(bold=True, size=13),
            )
        ],
    )
    append_row(sheet, [styled_cell(sheet, label, font=bold) for _key, label, _width in XLSX_COLUMNS])
    for opening in openings:
        cells = row(opening, labels)
        values = []
        for key, _label, _width in XLSX_COLUMNS:
            if key == "posted_on":
                values.append(styled_cell(sheet, cells[key], number_format="DD.MM.YYYY"))
            elif key == "tasks":
                values.append(styled_cell(sheet, cells[key], alignment=wrapped))
            else:
                values.append(cells[key])
        append_row(sheet, values)
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
    on = on or today()
    openings = list(openings)
    labels = _danish_labels()
    with translation.override("da"):
        return render_to_string(
            "companies/board_pdf.html",
            {
                "groups": [
                    (company, [(o, row(o, labels)) for o in items]) for company, items in grouped_by_company(openings)
                ],
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
    "PDF_MAX_OPENINGS",
    "XLSX_COLUMNS",
    "board_document",
    "board_openings",
    "board_pdf",
    "board_xlsx",
    "filter_openings",
    "render_board_html",
    "row",
]
