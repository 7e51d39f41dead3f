"""The text of a PDF written by WeasyPrint, for tests that must know what a PDF says.

WeasyPrint draws text as glyph numbers (`[<002b>0<0048>…] TJ`) in compressed content streams, with a
ToUnicode map per font from glyph number to character. This reads every stream, collects the maps, and
decodes each text run with each map: a run decoded with its own font's map gives the real text (the other
maps give noise, which cannot spell out a long test string by chance). Enough for "does this PDF contain
this word", which is all the tests ask; not a general PDF reader.
"""

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_TEXT_OBJECT = re.compile(rb"BT(.*?)ET", re.S)
_GLYPHS = re.compile(rb"<([0-9a-fA-F]+)>")


def _streams(pdf):
    for match in _STREAM.finditer(pdf):
        data = match.group(1)
        try:
            yield zlib.decompress(data)
        except zlib.error:
            yield data


def _unicode(hex_text):
    raw = bytes.fromhex(hex_text.decode())
    return raw.decode("utf-16-be", errors="replace")


def _maps(streams):
    maps = []
    for stream in streams:
        if b"begincmap" not in stream:
            continue
        mapping = {}
        for block in _BFCHAR.findall(stream):
            for glyph, text in _PAIR.findall(block):
                mapping[int(glyph, 16)] = _unicode(text)
        for block in _BFRANGE.findall(stream):
            for first, last, start in _RANGE.findall(block):
                base = int(start, 16)
                for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                    mapping[glyph] = chr(base + offset)
        maps.append(mapping)
    return maps


def _runs(streams):
    """Each text object's glyph numbers, in order (glyphs are two bytes: Identity-H)."""
    for stream in streams:
        for text_object in _TEXT_OBJECT.findall(stream):
            glyphs = []
            for hex_run in _GLYPHS.findall(text_object):
                glyphs.extend(int(hex_run[k : k + 4], 16) for k in range(0, len(hex_run), 4))
            if glyphs:
                yield glyphs


def pdf_text(pdf):
    """Every decoding of the PDF's text: one string per font map, runs separated by newlines."""
    streams = list(_streams(pdf))
    runs = list(_runs(streams))
    return "\n\n".join(
        "\n".join("".join(mapping.get(g, "") for g in run) for run in runs) for mapping in _maps(streams)
    )
