"""A zip bomb made at test time: a small xlsx whose one sheet unpacks to a gibibyte.

The deflate stream of a long run of one byte repeats itself: each mebibyte of spaces, compressed on its own with a
full flush, gives the same few hundred bytes, so the entry is those bytes 1,024 times over, written with the zip's
headers by hand (zipfile can only compress, which takes seconds per gibibyte). A full flush resets the window, so
the stream is valid deflate and unpacks to exactly what it says.
"""

import struct
import zlib

from jobbro.imports.tests.helpers import example_sheets, workbook

MIB = 1024 * 1024
HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def _deflated(data, last=False):
    """`data` as a piece of a raw deflate stream, ending on a full flush (or the stream's end)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _entry(name, raw_deflate, crc, size):
    """A zip local header + data, and its central-directory record (offset filled in by the caller)."""
    name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw_deflate), size, len(name), 0) + name
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(raw_deflate),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    return local, central


def xlsx_bomb(path, mebibytes=1024):
    """Write an xlsx (a citizens workbook) whose sheet XML unpacks to `mebibytes` MiB of spaces between its elements
    (and a few bytes more); returns the path."""
    import io
    import zipfile

    template = zipfile.ZipFile(io.BytesIO(workbook(example_sheets(["citizens"]))))
    entries = []
    for info in template.infolist():
        data = template.read(info.filename)
        if info.filename.startswith("xl/worksheets/"):
            raw = _deflated(HEAD) + _deflated(b" " * MIB) * mebibytes + _deflated(TAIL, last=True)
            size = len(HEAD) + mebibytes * MIB + len(TAIL)
            crc = zlib.crc32(TAIL, _crc_after(zlib.crc32(HEAD), mebibytes))
            entries.append((info.filename, raw, crc, size))
        else:
            entries.append((info.filename, _deflated(data, last=True), zlib.crc32(data), len(data)))
    with open(path, "wb") as out:
        directory = []
        for name, raw, crc, size in entries:
            local, central = _entry(name, raw, crc, size)
            offset = out.tell()
            out.write(local)
            out.write(raw)
            directory.append(central[:42] + struct.pack("<I", offset) + central[46:])
        start = out.tell()
        for record in directory:
            out.write(record)
        end = out.tell()
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), end - start, start, 0))
    return path


def _crc_after(crc, mebibytes):
    block = b" " * MIB
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return crc
