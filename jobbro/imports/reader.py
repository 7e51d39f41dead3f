"""Reading xlsx and csv files into sheets of raw rows, and turning cells into values.

A workbook may hold several sheets, one per kind of record, recognised by name (Danish or English);
a csv file holds one kind, named by the caller, by the file name ("borgere.csv") or by its header row.
Nothing here touches the database.

Files are read as streams, never whole into memory, and within limits (settings.IMPORT_MAX_*, see Limits):
the unpacked size (an xlsx is a zip: its declared sizes are checked before a byte is unpacked, and the bytes
actually unpacked are counted as they come), the number of rows, the columns of a row and the characters of a
cell. Going past one refuses the file with a Danish reason naming the limit, so a small file that unpacks to
gigabytes costs neither memory nor time. A csv file is read as UTF-8 (with or without a byte-order mark),
UTF-16 with a byte-order mark, or Windows-1252, whichever it is; anything else is refused with the reason.
"""

import codecs
import contextlib
import csv
import datetime
import html
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from jobbro import numbers, spreadsheets
from jobbro.cases import rules
from jobbro.cases.actions import monday_of
from jobbro.imports import schemas
from jobbro.people import cpr


@dataclass
class RawSheet:
    sheet: schemas.Sheet
    name: str  # as the file names it
    headers: dict  # column name -> header as written in the file
    positions: list  # per cell position: the column name, or None for an unknown column
    rows: list = field(default_factory=list)  # (row number, tuple of cells)


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    reason: str

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Workbook:
    sheets: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # sheet-level problems: they reject the import
    notes: list = field(default_factory=list)  # ignored sheets and columns: reported, not rejected

    @property
    def total_rows(self):
        return sum(len(s.rows) for s in self.sheets)


CHUNK = 1024 * 1024  # bytes read at a time


class Refused(Exception):  # noqa: N818 - a verdict on the file, not a bug
    """The file cannot be imported at all: the reason (translated) and, when one row is to blame, where."""

    def __init__(self, reason, row=0, column=""):
        super().__init__(reason)
        self.reason, self.row, self.column = reason, row, column


def _number(value):
    return formats.number_format(value, force_grouping=True)


@dataclass
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_bytes=settings.IMPORT_MAX_MB * 1024 * 1024,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cell=settings.IMPORT_MAX_CELL_CHARACTERS,
        )


class Budget:
    """What one import's files have used of the limits so far; each check refuses the file once a limit is passed."""

    def __init__(self, limits=None):
        self.limits = limits or Limits.from_settings()
        self.bytes = 0
        self.rows = 0

    def too_large(self):
        megabytes = self.limits.max_bytes // (1024 * 1024)
        return Refused(
            _(
                "The file unpacks to more than %(limit)s MB; an import may hold at most %(limit)s MB. "
                "Split it into smaller files."
            )
            % {"limit": _number(megabytes)}
        )

    def check_declared(self, size):
        if self.bytes + size > self.limits.max_bytes:
            raise self.too_large()

    def spend(self, size):
        self.bytes += size
        if self.bytes > self.limits.max_bytes:
            raise self.too_large()

    def check_column(self, row, index):
        if index >= self.limits.max_columns:
            raise Refused(
                _("The row has more than %(limit)s columns; a sheet may have at most %(limit)s.")
                % {"limit": _number(self.limits.max_columns)},
                row=row,
            )

    def cell_too_long(self, row):
        return Refused(
            _("A cell has more than %(limit)s characters; a cell may hold at most %(limit)s.")
            % {"limit": _number(self.limits.max_cell)},
            row=row,
        )

    def check_cell(self, row, value):
        if type(value) is str and len(value) > self.limits.max_cell:
            raise self.cell_too_long(row)

    def count_row(self, row):
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise Refused(
                _(
                    "The file has more than %(limit)s rows; an import may hold at most %(limit)s rows. "
                    "Split it into smaller files."
                )
                % {"limit": _number(self.limits.max_rows)},
                row=row,
            )


class BoundedStream:
    """A binary stream that counts what it hands out against the budget: the bytes actually unpacked."""

    def __init__(self, raw, budget, head=b""):
        self.raw, self.budget, self.head = raw, budget, head

    def read(self, size=-1):
        if self.head:
            data, self.head = self.head, b""
            return data
        data = self.raw.read(size if size and size > 0 else CHUNK)
        self.budget.spend(len(data))
        return data


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _header_sheet(book, sheet, name, header_row, cells_rows):
    """Map the header row to columns; record unknown and missing columns."""
    positions, headers = [], {}
    for header in header_row:
        column = sheet.column_map.get(schemas.normalise(header)) if not _empty(header) else None
        if column is not None and column.name in headers:
            book.problems.append(Problem(name, 1, str(header), _("The column appears twice.")))
            column = None
        elif column is None and not _empty(header):
            book.notes.append(
                _("Sheet %(sheet)s: the column %(column)s is not used.") % {"sheet": name, "column": header}
            )
        positions.append(column.name if column else None)
        if column:
            headers[column.name] = str(header).strip()
    for column in sheet.columns:
        if column.required and column.name not in headers:
            book.problems.append(Problem(name, 1, column.da, _("The required column is missing.")))
    raw = RawSheet(sheet=sheet, name=name, headers=headers, positions=positions)
    for number, cells in cells_rows:
        if cells and not all(_empty(c) for c in cells):
            raw.rows.append((number, cells))
    book.sheets.append(raw)


EXCEL_EPOCH = datetime.date(1899, 12, 30)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Built-in number formats that show a date (ECMA-376, 18.8.30).
DATE_FORMAT_IDS = {
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    45,
    46,
    47,
    50,
    51,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
}


def _is_date_format(code):
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code or "").lower()
    return any(ch in code for ch in "dy")


def _column_index(ref, cache={}):  # noqa: B006 - a deliberate memo of "AB" -> 27
    letters = ref.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        cache[letters] = index = index - 1
    return index


TOKEN = re.compile(r"<row\b(?P<row>[^>]*?)/?>|<c\b(?P<attrs>[^>]*?)(?:/>|>(?P<inner>.*?)</c>)", re.S)
OPEN_TAG = re.compile(r"<(?:c|row)[\s/>]")  # where an element the scan has not finished may begin
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
VALUE = re.compile(r"<v>(.*?)</v>", re.S)
TEXT = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
ROOT = re.compile(rb"<(\w+:)?worksheet\b")


def _unescape(text):
    return html.unescape(text) if "&" in text else text


class XlsxFile:
    """A streaming reader of the cell values in an xlsx file, with ElementTree only, within the budget's limits.

    openpyxl builds an object per cell and reads 100,000 rows in tens of seconds; this reads what an
    import needs (text, numbers, booleans, dates by their number format) in a few.
    """

    def __init__(self, source, budget):
        self.budget = budget
        self.zip = zipfile.ZipFile(source)
        infos = self.zip.infolist()
        # The sizes the zip declares, before anything is unpacked; what is unpacked is counted as well (BoundedStream).
        budget.check_declared(sum(info.file_size for info in infos))
        names = {info.filename for info in infos}
        self.shared = []
        if "xl/sharedStrings.xml" in names:
            stream = self._open("xl/sharedStrings.xml")
            root = None
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                if root is None:
                    root = element
                elif event == "end" and element.tag == MAIN + "si":
                    text = "".join(t.text or "" for t in element.iter(MAIN + "t"))
                    budget.check_cell(0, text)
                    self.shared.append(text)
                    root.clear()  # the strings read so far are kept as text, not as elements
        self.date_styles = set()
        if "xl/styles.xml" in names:
            styles = ElementTree.parse(self._open("xl/styles.xml")).getroot()
            custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(MAIN + "numFmt")}
            xfs = styles.find(MAIN + "cellXfs")
            for index, xf in enumerate(xfs if xfs is not None else ()):
                fmt = int(xf.get("numFmtId", 0))
                if fmt in DATE_FORMAT_IDS or (fmt in custom and _is_date_format(custom[fmt])):
                    self.date_styles.add(str(index))
        workbook = ElementTree.parse(self._open("xl/workbook.xml")).getroot()
        rels = ElementTree.parse(self._open("xl/_rels/workbook.xml.rels")).getroot()
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(RELS + "Relationship")}
        self.sheets = []
        for sheet in workbook.iter(MAIN + "sheet"):
            target = targets.get(sheet.get(OFFICE_RELS + "id"), "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            self.sheets.append((sheet.get("name"), path))

    def _open(self, path):
        return BoundedStream(self.zip.open(path), self.budget)

    def rows(self, path):
        """(row number, [cell values]) for each row of a worksheet with cells, empty cells as None."""
        stream = self._open(path)
        head = stream.read(CHUNK)
        stream.head = head
        root = ROOT.search(head)
        if root is not None and root.group(1):  # elements with a namespace prefix (x:c): parse them properly
            return self._parse(stream)
        return self._scan(stream)

    def _value(self, kind, style, inner):
        if not inner:
            return None
        if kind == "inlineStr":
            parts = TEXT.findall(inner)
            return _unescape("".join(parts))
        match = VALUE.search(inner)
        if match is None:
            return None
        text = match.group(1)
        if kind == "s":
            return self.shared[int(text)]
        if kind == "b":
            return text == "1"
        if kind in ("str", "e"):
            return _unescape(text)
        if kind == "d":
            return datetime.date.fromisoformat(text[:10])
        value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
        if style in self.date_styles:
            value = EXCEL_EPOCH + datetime.timedelta(days=int(value))
        return value

    def _scan(self, stream):
        """The common case, scanned with regular expressions a chunk at a time: several times faster than building
        elements. Only an unfinished element is carried over to the next chunk, and never more than a cell may hold."""
        budget = self.budget
        carried_limit = budget.limits.max_cell * 6 + 65536  # a cell's characters, escaped, with its markup
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending, number, cells = "", 0, []
        while True:
            data = stream.read(CHUNK)
            text = pending + decoder.decode(data, final=not data)
            end = 0
            for match in TOKEN.finditer(text):
                end = match.end()
                attributes = match.group("attrs")
                if attributes is None:  # a <row> tag
                    if cells:
                        budget.count_row(number)
                        yield number, cells
                    ref = dict(ATTRIBUTE.findall(match.group("row"))).get("r")
                    number, cells = (int(ref) if ref else number + 1), []
                    continue
                attributes = dict(ATTRIBUTE.findall(attributes))
                ref = attributes.get("r")
                index = len(cells)
                if ref:
                    row = int(ref[len(ref.rstrip("0123456789")) :] or number)
                    if row != number:
                        if cells:
                            budget.count_row(number)
                            yield number, cells
                        number, cells = row, []
                    index = _column_index(ref)
                budget.check_column(number, index)
                while len(cells) < index:
                    cells.append(None)
                value = self._value(attributes.get("t"), attributes.get("s"), match.group("inner"))
                budget.check_cell(number, value)
                cells.append(value)
            pending = text[end:]
            unfinished = OPEN_TAG.search(pending)
            pending = pending[unfinished.start() :] if unfinished else pending[-8:]
            if len(pending) > carried_limit:
                raise budget.cell_too_long(number + 1)
            if not data:
                break
        if cells:
            budget.count_row(number)
            yield number, cells

    def _parse(self, stream):
        budget = self.budget
        cell_tag, value_tag, row_tag, text_tag = MAIN + "c", MAIN + "v", MAIN + "row", MAIN + "t"
        inline_tag = f"{MAIN}is/{MAIN}t"
        shared, date_styles = self.shared, self.date_styles
        number = 0
        parent = None
        for event, row in ElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                if row.tag == MAIN + "sheetData":
                    parent = row
                continue
            if row.tag != row_tag:
                continue
            number = int(row.get("r") or number + 1)
            cells = []
            for c in row:
                if c.tag != cell_tag:
                    continue
                ref = c.get("r")
                if ref:
                    index = _column_index(ref)
                    budget.check_column(number, index)
                    while len(cells) < index:
                        cells.append(None)
                budget.check_column(number, len(cells))
                kind = c.get("t")
                if kind == "inlineStr":
                    parts = c.findall(inline_tag)
                    if len(parts) == 1:
                        cells.append(parts[0].text or "")
                    else:  # rich text: runs of text
                        cells.append("".join(t.text or "" for t in c.iter(text_tag)))
                    budget.check_cell(number, cells[-1])
                    continue
                v = c.find(value_tag)
                text = v.text if v is not None else None
                if text is None:
                    cells.append(None)
                elif kind == "s":
                    cells.append(shared[int(text)])
                elif kind == "b":
                    cells.append(text == "1")
                elif kind in ("str", "e"):
                    cells.append(text)
                elif kind == "d":
                    cells.append(datetime.date.fromisoformat(text[:10]))
                else:
                    value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                    if c.get("s") in date_styles:
                        value = EXCEL_EPOCH + datetime.timedelta(days=int(value))
                    cells.append(value)
                budget.check_cell(number, cells[-1])
            if parent is not None:
                parent.clear()  # rows already read are not kept as elements
            else:
                row.clear()
            if cells:
                budget.count_row(number)
                yield number, cells


def read_xlsx(book, source, file_name, budget):
    workbook = XlsxFile(source, budget)
    for title, path in workbook.sheets:
        sheet = schemas.sheet_for_name(title)
        if sheet is None and schemas.normalise(title) in schemas.EXPLANATION_SHEET_NAMES:
            continue  # the template's own explanation of its columns
        if sheet is None:
            book.notes.append(_("The sheet %(sheet)s is not one jobbro imports; it was skipped.") % {"sheet": title})
            continue
        rows = workbook.rows(path)
        first = next(rows, None)
        if first is None:
            continue
        _header_sheet(book, sheet, title, first[1], rows)


def _not_text(file_name):
    return Refused(
        _(
            "%(file)s is not a text file (it looks like a program or a workbook). Save the sheet as "
            "CSV (UTF-8) and import that file."
        )
        % {"file": file_name}
    )


def text_encoding(stream, file_name):
    """The encoding a csv stream is written in: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
    mark, or Windows-1252 (Excel's "CSV" on a Danish Windows); Refused with the reason for anything else. The
    whole stream is read once to be sure (a wrong guess would put wrong letters in names), then rewound."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    candidates = {"utf-8": codecs.getincrementaldecoder("utf-8")(), "cp1252": codecs.getincrementaldecoder("cp1252")()}
    position, first_bad = 0, None
    while True:
        data = stream.read(CHUNK)
        if b"\x00" in data:
            raise _not_text(file_name)
        for name, decoder in list(candidates.items()):
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                del candidates[name]
                if first_bad is None or name == "cp1252":
                    first_bad = position + error.start
        if not candidates:
            stream.seek(first_bad)
            byte = stream.read(1)
            raise Refused(
                _(
                    "%(file)s cannot be read: it is neither UTF-8 nor Windows-1252 text (byte 0x%(byte)s at "
                    "position %(position)s). Save the sheet as CSV (UTF-8) and import that file."
                )
                % {"file": file_name, "byte": byte.hex().upper(), "position": _number(first_bad + 1)}
            )
        if not data:
            break
        position += len(data)
    stream.seek(0)
    return "utf-8" if "utf-8" in candidates else "cp1252"


def read_csv(book, source, file_name, budget, kind=None):
    encoding = text_encoding(source, file_name)
    source.seek(0, io.SEEK_END)
    budget.spend(source.tell())
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    first_line = text.readline()
    if not first_line.strip():
        book.problems.append(Problem(file_name, 1, "", _("The file is empty.")))
        return
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    header = next(rows, None)
    budget.check_column(1, len(header) - 1)
    sheet = schemas.BY_KIND.get(kind) if kind else None
    sheet = sheet or schemas.sheet_for_name(Path(file_name).stem) or schemas.sheet_for_headers(header)
    if sheet is None:
        book.problems.append(
            Problem(file_name, 1, "", _("Cannot tell which kind of record the file holds: name the kind."))
        )
        return
    _header_sheet(book, sheet, Path(file_name).name, header, _bounded_csv_rows(rows, budget))


def _bounded_csv_rows(rows, budget):
    number = 1
    try:
        for number, cells in enumerate(rows, start=2):  # noqa: B007 - the number is reported when the reader fails
            budget.check_column(number, len(cells) - 1)
            for cell in cells:
                budget.check_cell(number, cell)
            if cells:
                budget.count_row(number)
            yield number, cells
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise budget.cell_too_long(number + 1) from None
        raise Refused(
            _("The file cannot be read as csv after row %(row)s.") % {"row": number}, row=number + 1
        ) from None


# Readers another app plugs in for a file suffix (jobbro/exchange: ".json", the job database's CV):
# {suffix: function(book, binary stream, file name, budget)}, adding RawSheets of schemas.PLUGGED_SHEETS to the book.
PLUGGED_READERS = {}


def plug_in_reader(suffix, function):
    PLUGGED_READERS[suffix.lower()] = function


def suffixes():
    """The file suffixes the import reads."""
    return (".xlsx", ".xlsm", ".csv", ".txt", *PLUGGED_READERS)


def _open(data):
    """A binary stream over a file given as bytes or as a path."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return contextlib.nullcontext(io.BytesIO(data))
    return open(data, "rb")


def check_file(path):
    """Refused with the reason when a file given on the command line cannot be imported at all, before it is stored:
    missing, unreadable, empty, of another kind, or text in an encoding jobbro does not read."""
    path = Path(path)
    if not path.exists():
        raise Refused(_("The file %(file)s does not exist.") % {"file": path})
    if not path.is_file():
        raise Refused(_("%(file)s is not a file.") % {"file": path})
    try:
        handle = open(path, "rb")
    except OSError:
        raise Refused(_("The file %(file)s cannot be opened (no permission to read it).") % {"file": path}) from None
    with handle:
        if not handle.read(CHUNK).strip():
            raise Refused(_("The file %(file)s is empty.") % {"file": path})
        handle.seek(0)
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            if not zipfile.is_zipfile(handle):
                raise Refused(_("%(file)s is not a workbook jobbro can read (xlsx).") % {"file": path})
        elif suffix in (".csv", ".txt"):
            text_encoding(handle, path.name)
        elif suffix not in PLUGGED_READERS:
            raise Refused(_("Import an xlsx or csv file."))


def read(files, *, kind=None, limits=None):
    """Read [(file name, bytes or path), ...] into one Workbook; a file refused as a whole leaves only its reason."""
    book = Workbook()
    budget = Budget(limits)
    for file_name, data in files:
        suffix = Path(file_name).suffix.lower()
        try:
            with _open(data) as source:
                if suffix in (".xlsx", ".xlsm"):
                    try:
                        read_xlsx(book, source, file_name, budget)
                    except Refused:
                        raise
                    except Exception:  # noqa: BLE001 - a broken workbook is the user's problem to fix, not a crash
                        raise Refused(_("The file is not a workbook jobbro can read (xlsx).")) from None
                elif suffix in (".csv", ".txt"):
                    try:
                        read_csv(book, source, file_name, budget, kind=kind)
                    except UnicodeError:  # against its byte-order mark
                        raise Refused(
                            _(
                                "%(file)s cannot be read as the text its byte-order mark announces. Save the "
                                "sheet as CSV (UTF-8) and import that file."
                            )
                            % {"file": file_name}
                        ) from None
                elif suffix in PLUGGED_READERS:
                    PLUGGED_READERS[suffix](book, source, file_name, budget)
                else:
                    book.problems.append(Problem(file_name, 0, "", _("Import an xlsx or csv file.")))
        except Refused as refusal:
            book.sheets.clear()  # nothing of it is imported, so nothing of it is kept
            book.problems.append(Problem(file_name, refusal.row, refusal.column, refusal.reason))
            break
    return book


# --- Cells to values ------------------------------------------------------------------------------

DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})$", re.ASCII), lambda m: (int(m[3]), int(m[2]), int(m[1]))),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", re.ASCII), lambda m: (int(m[1]), int(m[2]), int(m[3]))),
    (
        re.compile(r"^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{2})$", re.ASCII),
        lambda m: (2000 + int(m[3]) if int(m[3]) < 70 else 1900 + int(m[3]), int(m[2]), int(m[1])),
    ),
)
WEEK_PATTERN = re.compile(r"^(\d{4})\s*-?\s*[wW]\s*(\d{1,2})$", re.ASCII)
TRUE = {"ja", "j", "yes", "y", "true", "sand", "1", "x"}
FALSE = {"nej", "n", "no", "false", "falsk", "0"}


class CellError(ValueError):
    pass


def _text(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def to_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if (
        isinstance(value, (int, float)) and 10000 < value < 100000
    ):  # an Excel serial date in a cell without a date format
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = _text(value)
    for pattern, parts in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*parts(match))
            except ValueError:
                # Written the right way, but the day is not in the calendar (31.02.2026, 2026-13-01).
                raise CellError(
                    _("The date %(date)s does not exist; check the day and the month.") % {"date": text}
                ) from None
    raise CellError(_("Write the date as 22.11.2026 or 2026-11-22."))


def to_decimal(value, column):
    # Digits 0-9 only (jobbro/numbers.py): Decimal() alone would read "٤٠" as 40 and "1_0" as 10.
    try:
        number = numbers.parse_decimal(
            value if isinstance(value, (int, float)) else _text(value).replace(" ", ""), signed=True
        )
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    if number != number.quantize(Decimal("0.1")):
        raise CellError(_("Write the number with at most one decimal."))
    number = number.quantize(Decimal("0.1"))
    _range(number, column)
    return number


def to_integer(value, column):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if not re.fullmatch(r"-?[0-9]+", text):
        raise CellError(_("Write a whole number."))
    number = int(text)
    _range(number, column)
    return number


def _range(number, column):
    if column.minimum is not None and number < column.minimum or column.maximum is not None and number > column.maximum:
        raise CellError(_("Write a number from %(min)s to %(max)s.") % {"min": column.minimum, "max": column.maximum})


def to_boolean(value):
    if isinstance(value, bool):
        return value
    key = schemas.normalise(_text(value))
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise CellError(_("Write ja or nej."))


_ALIASES = {}


def aliases(choice_set):
    if choice_set not in _ALIASES:
        _ALIASES[choice_set] = schemas.choice_aliases(choice_set)
    return _ALIASES[choice_set]


def to_choice(value, column):
    found = aliases(column.choices).get(schemas.normalise(_text(value)))
    if found is None:
        values = schemas.choice_words(column.choices)
        raise CellError(_("Not a value jobbro knows; use one of: %(values)s.") % {"values": values})
    return found


def to_list(value, column):
    items = [item.strip() for item in re.split(r"[,;]", _text(value)) if item.strip()]
    if not column.choices:
        return items
    known = aliases(column.choices)
    result = []
    for item in items:
        found = known.get(schemas.normalise(item))
        if found is None:
            values = schemas.choice_words(column.choices)
            raise CellError(
                _("%(item)s is not a value jobbro knows; use: %(values)s.") % {"item": item, "values": values}
            )
        if found not in result:
            result.append(found)
    return result


def to_cpr(value):
    if isinstance(value, (int, float)):
        value = f"{int(value):010d}"  # a spreadsheet drops the leading zero of 0101901234
    try:
        return cpr.validate(_text(value))
    except Exception as error:  # ValidationError: its message never repeats the number
        raise CellError(" ".join(getattr(error, "messages", [str(error)]))) from None


def to_cvr(value):
    from django.core.exceptions import ValidationError

    from jobbro.companies.models import validate_cvr

    text = (
        f"{int(value):08d}"
        if isinstance(value, (int, float))
        else re.sub(r"[\s\-]", "", _text(value)).upper().removeprefix("DK")
    )
    try:
        validate_cvr(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return text


def to_week(value):
    if isinstance(value, str):
        match = WEEK_PATTERN.match(value.strip())
        if match:
            try:
                return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
            except ValueError:
                raise CellError(_("There is no such week.")) from None
    return monday_of(to_date(value))


def _plausible_date(value):
    """A date cell, refused when no record can have it (before 2000 or years ahead: cases/rules.py)."""
    day = _date_fast(value)
    message = rules.plausible_date_error(day)
    if message:
        raise CellError(message)
    return day


def _date_fast(value):
    """Dates as Danish sheets write them (22.11.2026) without a regular expression; anything else the slow way."""
    if type(value) is str and len(value) == 10 and value[2] == "." and value[5] == "." and value.isascii():
        try:
            return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
        except ValueError:
            pass
    return to_date(value)


MEMO_TYPES = {
    schemas.DATE,
    schemas.DECIMAL,
    schemas.INTEGER,
    schemas.CPR,
    schemas.CVR,
    schemas.CHOICE,
    schemas.WEEK,
    schemas.BOOLEAN,
}


def converter(column):
    """The function turning a non-empty cell into the column's value (or raising CellError).

    Values repeat (the same CPR number in four sheets, hours like 7,5, the same dates), so the
    conversions that cost something are remembered per column: a CPR number is checked once.
    """
    function = _converter(column)
    if column.type not in MEMO_TYPES:
        return function
    memo = {}

    def remembered(value):
        key = (type(value), value)
        found = memo.get(key)
        if found is None:
            try:
                found = memo[key] = (True, function(value))
            except CellError as error:
                found = memo[key] = (False, error)
        if found[0]:
            return found[1]
        raise CellError(str(found[1]))

    return remembered


def _converter(column):
    kind = column.type
    simple = {
        schemas.DATE: _plausible_date,
        schemas.BOOLEAN: to_boolean,
        schemas.CPR: to_cpr,
        schemas.CVR: to_cvr,
        schemas.WEEK: to_week,
    }
    if kind in simple:
        return simple[kind]
    if kind == schemas.DECIMAL:
        return lambda value: to_decimal(value, column)
    if kind == schemas.INTEGER:
        return lambda value: to_integer(value, column)
    if kind == schemas.CHOICE:
        known = aliases(column.choices)

        def choice(value):
            found = known.get(schemas.normalise(value) if type(value) is str else schemas.normalise(_text(value)))
            return found if found is not None else to_choice(value, column)

        return choice
    if kind == schemas.LIST:
        return lambda value: to_list(value, column)

    def text(value):
        value = value.strip() if type(value) is str else _text(value)
        if column.neutralised and spreadsheets.is_neutralised(value):
            value = value[1:]  # the apostrophe jobbro's export put before text a spreadsheet would run
        if column.max_length and len(value) > column.max_length:
            raise CellError(
                _("Write at most %(limit)d characters (it has %(count)d).")
                % {"limit": column.max_length, "count": len(value)}
            )
        return value

    return text


def convert(column, value):
    """The value of a non-empty cell for its column, or CellError with the reason."""
    return converter(column)(value)
