"""The reports' own xlsx writer: what openpyxl reads back is what openpyxl itself would have written."""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from jobbro.reporting import xlsx
from jobbro.spreadsheets import append_row

ROWS = [
    ["Titel", " mellemrum ", "=1+2", "-2+3", "@SUM(A1)", 3, -2, 2.5, Decimal("1.25"), 0.1 + 0.2, True, None, "æøå"],
    [],
    [None, "a\x01b <&> \"'", datetime.date(2026, 1, 2), 10**15],
]
STYLED = [
    ("Fed titel", xlsx.Style(bold=True, size=13), Font(bold=True, size=13), None),
    ("Rød", xlsx.Style(bold=True, color="C4001C"), Font(bold=True, color="C4001C"), None),
    (1234, xlsx.Style(number_format="#,##0"), None, "#,##0"),
    (0.35385804981279506, xlsx.Style(number_format="0.0%"), None, "0.0%"),
    (12.5, xlsx.Style(number_format="#,##0.0"), None, "#,##0.0"),
    (datetime.date(2026, 3, 4), xlsx.Style(number_format="DD.MM.YYYY"), None, "DD.MM.YYYY"),
    (None, xlsx.Style(number_format="0.0%"), None, "0.0%"),
]


def _ours():
    workbook = xlsx.Workbook()
    first = workbook.create_sheet("Kontroller og en meget lang titel & <mere>")
    first.widths["A"] = 110
    for row in ROWS:
        first.append(row)
    second = workbook.create_sheet("Tal")
    second.widths["B"] = 42
    second.append([xlsx.Styled(value, style) for value, style, _font, _format in STYLED])
    return workbook.save()


def _openpyxl():
    workbook = Workbook()
    first = workbook.active
    first.title = "Kontroller og en meget lang titel & <mere>"[:31]
    first.column_dimensions["A"].width = 110
    for row in ROWS:
        append_row(first, row)
    second = workbook.create_sheet("Tal")
    second.column_dimensions["B"].width = 42
    append_row(second, [value for value, _style, _font, _format in STYLED])
    for column, (_value, _style, font, number_format) in enumerate(STYLED, start=1):
        cell = second.cell(row=1, column=column)
        if font:
            cell.font = font
        if number_format:
            cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read(content):
    workbook = load_workbook(io.BytesIO(content))
    return [
        (
            sheet.title,
            {letter: dimension.width for letter, dimension in sheet.column_dimensions.items() if dimension.customWidth},
            [
                [(cell.value, cell.number_format, cell.font.b, cell.font.sz, cell.font.color and cell.font.color.rgb)]
                for row in sheet.iter_rows()
                for cell in row
            ],
        )
        for sheet in workbook.worksheets
    ]


def test_what_openpyxl_reads_back_is_what_it_would_have_written_itself():
    ours, theirs = _read(_ours()), _read(_openpyxl())
    assert ours == theirs
    checks, figures = ours
    assert checks[0] == "Kontroller og en meget lang tit"
    assert checks[1] == {"A": 110}
    values = [cell[0][0] for cell in checks[2]]
    # Text a spreadsheet program would run is text, shown as typed; numbers stay numbers.
    assert values[:8] == ["Titel", " mellemrum ", "'=1+2", "'-2+3", "'@SUM(A1)", 3, -2, 2.5]
    assert "ab <&> \"'" in values  # the control character dropped, the rest escaped and kept
    assert [cell[0][1] for cell in figures[2]][2:6] == ["#,##0", "0.0%", "#,##0.0", "DD.MM.YYYY"]


def test_equal_styles_share_one_entry_and_a_date_without_a_format_gets_openpyxl_s():
    workbook = xlsx.Workbook()
    sheet = workbook.create_sheet("Ark")
    for n in range(100):
        sheet.append([xlsx.Styled(n, xlsx.Style(number_format="#,##0")), datetime.date(2026, 1, 1)])
    content = workbook.save()
    assert len(workbook._styles) == 2
    cells = load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True)
    assert list(cells)[99] == (99, datetime.datetime(2026, 1, 1))


def test_a_text_written_again_is_made_safe_again_also_with_a_style():
    workbook = xlsx.Workbook()
    sheet = workbook.create_sheet("Ark")
    bold = xlsx.Style(bold=True)
    for _ in range(2):
        sheet.append(["=HYPERLINK(1)", xlsx.Styled("=HYPERLINK(1)", bold), "\x01", xlsx.Styled("\x02", bold), 7])
    rows = list(load_workbook(io.BytesIO(workbook.save())).worksheets[0].iter_rows())
    for row in rows:
        assert [cell.value for cell in row] == ["'=HYPERLINK(1)", "'=HYPERLINK(1)", None, None, 7]
        assert [cell.font.b for cell in row] == [False, True, False, True, False]
