"""A small streamed xlsx writer for the report exports: rows of values, a few cell styles, column widths.

A report's spreadsheet holds every row of its tables, tens of thousands of cells for a table with a row per job
broker. openpyxl, even in its write-only mode, makes a cell object and a few XML elements for each cell (about
5 µs a cell: 0.4 s for the fidelity report's 80,000 cells at the 100,000-citizen demo); this writer makes each
row's XML as one string. It writes what the exports need and nothing more: text (always as inline text, made safe
with jobbro.spreadsheets.safe_cell like every other spreadsheet jobbro writes), numbers, dates with their number
format, booleans, bold and sized and coloured fonts, and column widths. The files open in Excel, LibreOffice and
openpyxl (the tests read every export back with openpyxl).
"""

import datetime
import io
import zipfile
from decimal import Decimal
from math import isfinite
from xml.sax.saxutils import escape, quoteattr

from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from jobbro.spreadsheets import safe_cell

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DATE_FORMAT = "yyyy-mm-dd"  # a date written without a number format of its own, as openpyxl gives it
FIRST_CUSTOM_FORMAT = 164  # number format ids below are Excel's built-in formats


class Style:
    """A cell style: a font (bold, size in points, colour as RRGGBB) and a number format. Equal styles share one
    entry of the file's style table."""

    __slots__ = ("bold", "color", "key", "number_format", "size")

    def __init__(self, *, bold=False, size=None, color=None, number_format=None):
        self.bold, self.size, self.color, self.number_format = bold, size, color, number_format
        self.key = (bold, size, color, number_format)

    def font_key(self):
        return (self.bold, self.size, self.color)


class Styled:
    """A value written with a Style."""

    __slots__ = ("style", "value")

    def __init__(self, value, style):
        self.value, self.style = value, style


def _text(value):
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


class Sheet:
    def __init__(self, workbook, title):
        self.workbook, self.title = workbook, title
        self.widths = {}  # column letter: width
        self._rows = []
        self._letters = []

    def _letter(self, index):
        letters = self._letters
        while len(letters) <= index:
            letters.append(get_column_letter(len(letters) + 1))
        return letters[index]

    def append(self, values):
        """Append a row: each value as it is (None leaves the cell empty), or a Styled value."""
        number = len(self._rows) + 1
        cells = []
        ends = self.workbook.cell_ends
        for index, value in enumerate(values):
            if value is None:
                continue
            # A cell's XML after its reference depends on its value and style alone: a report's tens of thousands
            # of cells hold few distinct values (whole numbers, shares, traffic lights), each written out once.
            if type(value) is Styled:
                key = (value.style.key, type(value.value), value.value)
            else:
                key = (None, type(value), value)
            end = ends.get(key)
            if end is None:
                style, plain = (value.style, value.value) if type(value) is Styled else (0, value)
                end = self._end(plain, style)
                if key[2] == key[2]:  # NaN is never equal to itself, so never found again: not kept
                    ends[key] = end
            if end:
                cells.append(f'<c r="{self._letter(index)}{number}"{end}')
        self._rows.append(f'<row r="{number}">{"".join(cells)}</row>' if cells else f'<row r="{number}"/>')

    def _end(self, value, style):
        """The cell's XML after `<c r="A1"`, or "" for no cell at all."""
        value = safe_cell(value)
        if isinstance(value, (datetime.date, datetime.datetime)):
            if not style or style.number_format is None:
                style = Style(
                    **{name: getattr(style, name) for name in ("bold", "size", "color")} if style else {},
                    number_format=DATE_FORMAT,
                )
            value = to_excel(value)
        elif isinstance(value, (datetime.time, datetime.timedelta)):
            value = to_excel(value)
        s = f' s="{self.workbook.style_id(style)}"' if style else ""
        if value is None or value == "":
            return f"{s}/>" if s else ""
        if isinstance(value, str):
            return f'{s} t="inlineStr">{_text(value)}</c>'
        if isinstance(value, bool):
            return f'{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f'{s} t="n"><v>{value}</v></c>'
        if isinstance(value, (float, Decimal)):
            if not isfinite(value):
                return f'{s} t="n"/>'
            return f'{s} t="n"><v>{float(value):.16g}</v></c>'  # as openpyxl writes a float
        return f'{s} t="inlineStr">{_text(str(value))}</c>'

    def xml(self):
        columns = "".join(
            f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
            for index, width in sorted((_column_index(letter), width) for letter, width in self.widths.items())
        )
        return "".join(
            [
                HEADER,
                f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">',
                '<sheetViews><sheetView workbookViewId="0"/></sheetViews>',
                '<sheetFormatPr defaultRowHeight="15"/>',
                f"<cols>{columns}</cols>" if columns else "",
                "<sheetData>",
                *self._rows,
                "</sheetData>",
                '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>',
                "</worksheet>",
            ]
        )


def _column_index(letter):
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letter)


class Workbook:
    def __init__(self):
        self.sheets = []
        self.cell_ends = {}  # (style key, type, value): the end of its cell's XML ("" for no cell)
        self._styles = {}  # style key: (its id in cellXfs, the style)

    def create_sheet(self, title):
        sheet = Sheet(self, title[:31])
        self.sheets.append(sheet)
        return sheet

    def style_id(self, style):
        found = self._styles.get(style.key)
        if found is None:
            found = self._styles[style.key] = (len(self._styles) + 1, style)
        return found[0]

    def _styles_xml(self):
        fonts = {(False, None, None): 0}
        formats = {}
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        for _id, style in sorted(self._styles.values(), key=lambda pair: pair[0]):
            font = fonts.setdefault(style.font_key(), len(fonts))
            number_format = 0
            if style.number_format:
                number_format = BUILTIN_FORMATS_REVERSE.get(style.number_format)
                if number_format is None:
                    number_format = formats.setdefault(style.number_format, FIRST_CUSTOM_FORMAT + len(formats))
            applied = (' applyFont="1"' if font else "") + (' applyNumberFormat="1"' if number_format else "")
            xfs.append(f'<xf numFmtId="{number_format}" fontId="{font}" fillId="0" borderId="0" xfId="0"{applied}/>')
        font_xml = []
        for bold, size, color in fonts:
            if (bold, size, color) == (False, None, None):
                font_xml.append(
                    '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
                    '<scheme val="minor"/></font>'
                )
            else:
                parts = ['<b val="1"/>' if bold else "", f'<color rgb="00{color}"/>' if color else ""]
                parts.append(f'<sz val="{size}"/>' if size else "")
                font_xml.append(f"<font>{''.join(parts)}</font>")
        number_formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(number))} formatCode={quoteattr(code)}/>"
            for code, number in formats.items()
        )
        return "".join(
            [
                HEADER,
                f'<styleSheet xmlns="{MAIN}">',
                f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "",
                f'<fonts count="{len(font_xml)}">{"".join(font_xml)}</fonts>',
                '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>',
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>',
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
                "</styleSheet>",
            ]
        )

    def save(self):
        """The workbook as the bytes of an xlsx file."""
        sheets = range(1, len(self.sheets) + 1)
        content_types = "".join(
            [
                HEADER,
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
                '<Default Extension="xml" ContentType="application/xml"/>',
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
                *(
                    f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for n in sheets
                ),
                "</Types>",
            ]
        )
        package_rels = (
            f'{HEADER}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        )
        workbook = "".join(
            [
                HEADER,
                f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">',
                '<bookViews><workbookView activeTab="0"/></bookViews><sheets>',
                *(
                    f'<sheet name={quoteattr(sheet.title)} sheetId="{n}" r:id="rId{n}"/>'
                    for n, sheet in zip(sheets, self.sheets, strict=True)
                ),
                "</sheets></workbook>",
            ]
        )
        workbook_rels = "".join(
            [
                HEADER,
                f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">',
                *(
                    f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in sheets
                ),
                f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>',
                "</Relationships>",
            ]
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", package_rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            archive.writestr("xl/styles.xml", self._styles_xml())
            for n, sheet in zip(sheets, self.sheets, strict=True):
                archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet.xml())
        return buffer.getvalue()
