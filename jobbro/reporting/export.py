"""A report as a spreadsheet (xlsx) and as an A4 PDF for the steering group.

Both start with the checks: the report's own add-up and share checks and the data-quality findings for the
same scope. An export whose figures fail a check says so on its first page (the first sheet in the
spreadsheet) instead of hiding it; an export that passes says which checks it passed.
"""

import base64

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext

from jobbro.filenames import file_name
from jobbro.reporting import presentation, xlsx
from jobbro.reporting.base import LIGHT_LABELS


def check_lines(report, findings):
    """Every failed check, as sentences: impossible figures first, then records that need correcting."""
    lines = list(report.problems())
    for finding in findings:
        if finding.count:
            lines.append(gettext("%(title)s: %(count)s.") % {"title": finding.title, "count": finding.count})
    return lines


def scope_line(scope):
    sites = gettext("all sites") if scope.all_sites else ", ".join(site.name for site in scope.sites)
    return gettext("%(programme)s · %(sites)s · as of %(date)s") % {
        "programme": scope.programme.name,
        "sites": sites,
        "date": date_format(scope.on, "SHORT_DATE_FORMAT"),
    }


def filename(report, extension):
    """The report's title in the reader's language and the as-of date: resultatmaal-30.06.2026.xlsx."""
    return file_name(report.title, extension, report.scope.on)


# --- Spreadsheet --------------------------------------------------------------------------------


SLOTS = ("value", "share", "light")


def _column_slots(table):
    """Per column, the slots its cells use: a share column adds its percent, a scored one its traffic light. Read
    from the cells' kinds (xlsx_slot_names), not by computing every cell's values once more."""
    used = [{"value"} for _column in table.columns]
    for row in table.rows:
        for slots, cell in zip(used, row.cells, strict=True):
            slots.update(presentation.xlsx_slot_names(cell))
    return [[slot for slot in SLOTS if slot in slots] for slots in used]


def _write_table(sheet, table, light_labels):
    bold = xlsx.Style(bold=True)
    formats = {}  # number format: its style
    sheet.append([xlsx.Styled(table.title, bold)])
    columns = _column_slots(table)
    slot_headers = {"share": gettext("%(column)s – share"), "light": gettext("%(column)s – light")}
    headers = [table.first_column_label or ""]
    for label, slots in zip(table.columns, columns, strict=True):
        headers.extend(label if slot == "value" else slot_headers[slot] % {"column": label} for slot in slots)
    sheet.append([xlsx.Styled(header, bold) for header in headers])
    written = {}  # (column, id of a cell): its values; a table of job brokers shares few distinct cells
    for row in table.rows:
        values = [row.label]
        for column, (cell, slots) in enumerate(zip(row.cells, columns, strict=True)):
            key = (column, id(cell))
            cell_values = written.get(key)
            if cell_values is None:
                cell_values = written[key] = _cell_values(cell, slots, light_labels, formats)
            values.extend(cell_values)
        sheet.append(values)
    if table.note:
        sheet.append([table.note])
    sheet.append([])


def _cell_values(cell, slots, light_labels, formats):
    parts = presentation.xlsx_slots(cell, light_labels)
    values = []
    for slot in slots:
        value, number_format = parts.get(slot, (None, None))
        if number_format:
            style = formats.get(number_format)
            if style is None:
                style = formats[number_format] = xlsx.Style(number_format=number_format)
            value = xlsx.Styled(value, style)
        values.append(value)
    return values


def report_xlsx(report, findings):
    """The spreadsheet: a sheet with the checks, then one with every row of every table (jobbro/reporting/xlsx.py
    writes each row as one string, as a table of thousands of job brokers has tens of thousands of cells)."""
    # The traffic lights' labels, translated once for the whole spreadsheet instead of once for each scored cell.
    light_labels = {light: gettext(label) for light, label in LIGHT_LABELS.items()}
    workbook = xlsx.Workbook()
    checks = workbook.create_sheet(gettext("Checks"))
    checks.widths["A"] = 110
    checks.append([xlsx.Styled(report.title, xlsx.Style(bold=True, size=13))])
    checks.append([scope_line(report.scope)])
    failed = check_lines(report, findings)
    verdict = (
        gettext("THE FIGURES FAIL %(n)s CHECKS:") % {"n": len(failed)} if failed else gettext("All checks passed.")
    )
    checks.append([xlsx.Styled(verdict, xlsx.Style(bold=True, color="C4001C" if failed else "358000"))])
    for line in failed:
        checks.append([line])
    sheet = workbook.create_sheet(gettext("Figures"))
    sheet.widths["A"] = 42
    for table in report.tables:
        _write_table(sheet, table, light_labels)
    for note in report.notes:
        sheet.append([str(note)])
    return workbook.save()


# --- PDF ----------------------------------------------------------------------------------------


def render_report_html(report, findings):
    return render_to_string(
        "reporting/report_pdf.html",
        {
            "report": report,
            # A table with a row per member of staff prints both ends of its ranking and the totals: thousands of
            # rows would make a PDF nobody reads (the spreadsheet holds them all).
            "tables": [_printed(table) for table in report.tables],
            "charts": [(chart, _svg_image(chart.svg)) for chart in report.charts],
            "scope_line": scope_line(report.scope),
            "failed": check_lines(report, findings),
            "findings": findings,
        },
    )


def _svg_image(svg):
    """The SVG as a data: address for an <img>: WeasyPrint draws it as it draws an inline SVG, but an inline one is
    first styled element by element as part of the page (a fifth of a report's PDF time, and a logged warning for
    each SVG property the page's CSS does not know)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _printed(table):
    if isinstance(table, presentation.StaffTable):
        return presentation.both_ends_of(table)
    printed = getattr(table, "printed", None)  # a table that says itself what of it the PDF prints
    if printed is not None:
        return printed()
    return table, ""


def report_document(report, findings):
    """The laid-out WeasyPrint document (A4 landscape pages)."""
    from weasyprint import HTML

    html = render_report_html(report, findings)
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher()).render()


def url_fetcher():
    """The template and its charts (data: addresses) are self-contained: nothing else may be fetched."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=("data",))


def report_pdf(report, findings):
    return report_document(report, findings).write_pdf()
