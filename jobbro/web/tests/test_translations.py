"""The Danish catalogue is complete, clean and compiled.

The UI is Danish first: every source string must have a Danish translation, none may be left
fuzzy (gettext ignores fuzzy entries, so they would silently show in English), placeholders must
survive translation, and the committed ``django.mo`` must say exactly what ``django.po`` says
(fresh machines use the committed ``.mo`` and need no gettext tools).

The ``.po`` file is read with a small parser rather than polib, which is not a dependency.
"""

import ast
import gettext as gnu_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "jobbro" / "locale" / "da" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# Django's lookups under other names, so makemessages does not collect this file's literals.
lookup = translation.gettext
lookup_plural = translation.ngettext

KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
NAMED_PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self):
        return (
            [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]
            if self.msgid_plural is not None
            else [self.msgstr]
        )

    def __str__(self):
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(token):
    # A PO string literal uses C escapes, which are a subset of Python's.
    return ast.literal_eval(token)


def parse_po(path):
    """Return (header entry, other entries); obsolete ``#~`` entries are skipped."""
    entries, entry, current = [], None, None

    def finish():
        if entry is not None and current is not None:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            entry, current = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry = entry or Entry(line=number)
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            entry = entry or Entry(line=number)
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            if keyword in ("msgctxt", "msgid") and current in ("msgstr", "msgstr[]"):
                finish()  # a new entry without a blank line in between
                entry = None
            entry = entry or Entry(line=number)
            value = _unquote(token)
            if keyword == "msgctxt":
                entry.msgctxt, current = value, "msgctxt"
            elif keyword == "msgid":
                entry.msgid, current = value, "msgid"
            elif keyword == "msgid_plural":
                entry.msgid_plural, current = value, "msgid_plural"
            elif index is None:
                entry.msgstr, current = value, "msgstr"
            else:
                current, entry.msgstr_plural[int(index)] = "msgstr[]", value
                entry._index = int(index)
            continue
        if line.startswith('"') and entry is not None and current is not None:
            value = _unquote(line)
            if current == "msgstr[]":
                entry.msgstr_plural[entry._index] += value
            elif current == "msgctxt":
                entry.msgctxt += value
            else:
                setattr(entry, current, getattr(entry, current) + value)
            continue
        raise AssertionError(f"django.po:{number}: cannot parse {raw!r}")
    finish()

    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "django.po must have exactly one header entry"
    return headers[0], [e for e in entries if e is not headers[0]]


@pytest.fixture(scope="module")
def po():
    assert PO_PATH.exists(), f"{PO_PATH} is missing; run makemessages -l da"
    return parse_po(PO_PATH)


def test_parser_handles_multiline_and_plural_entries(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: da\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Long %(x)s "\n"text"\nmsgstr ""\n"Lang %(x)s "\n"tekst \\"citat\\""\n\n'
        '#, fuzzy\nmsgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s ting"\nmsgstr[1] ""\n"%(n)s ting"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Væk"\n',
        encoding="utf-8",
    )
    header, entries = parse_po(sample)
    assert header.msgstr == "Language: da\n"
    assert [(e.msgid, e.translations, e.flags) for e in entries] == [
        ("Long %(x)s text", ['Lang %(x)s tekst "citat"'], {"python-format"}),
        ("%(n)s item", ["%(n)s ting", "%(n)s ting"], {"fuzzy"}),
    ]


def test_header_is_danish(po):
    header, _entries = po
    assert "Language: da\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr
    assert "fuzzy" not in header.flags


def test_catalogue_is_not_empty(po):
    _header, entries = po
    assert len(entries) > 100
    assert any(e.msgid == "Log in" for e in entries)


def test_every_entry_has_a_danish_translation(po):
    _header, entries = po
    untranslated = [str(e) for e in entries if not all(t.strip() for t in e.translations)]
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)


def test_plural_entries_fill_both_danish_forms(po):
    _header, entries = po
    wrong = [str(e) for e in entries if e.msgid_plural is not None and sorted(e.msgstr_plural) != [0, 1]]
    assert not wrong, "Plural entries need msgstr[0] and msgstr[1]:\n" + "\n".join(wrong)


def test_no_entry_is_fuzzy(po):
    _header, entries = po
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, "Fuzzy entries (gettext ignores them):\n" + "\n".join(fuzzy)


def test_placeholders_survive_translation(po):
    _header, entries = po
    wrong = []
    for e in entries:
        # Only python-format entries are %-interpolated; elsewhere a lone % is plain text.
        pattern = PLACEHOLDER if "python-format" in e.flags else NAMED_PLACEHOLDER
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for source, target in zip(sources, e.translations, strict=False):
            if sorted(pattern.findall(source)) != sorted(pattern.findall(target)):
                wrong.append(f"{e}: {target!r}")
    assert not wrong, "Placeholders differ:\n" + "\n".join(wrong)


def test_committed_mo_matches_the_po(po):
    """Read the .mo itself, so a stale catalogue cannot hide behind Django's own translations."""
    _header, entries = po
    assert MO_PATH.exists(), f"{MO_PATH} is missing; run compilemessages -l da"
    with MO_PATH.open("rb") as handle:
        catalog = gnu_gettext.GNUTranslations(handle)
    stale = []
    for e in entries:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            got = [catalog._catalog.get(key)]
        else:
            got = [catalog._catalog.get((key, i)) for i in sorted(e.msgstr_plural)]
        if got != e.translations:
            stale.append(f"{e}: .mo has {got!r}")
    assert not stale, "django.mo is out of date; run compilemessages -l da:\n" + "\n".join(stale[:20])


def test_django_serves_the_danish_catalogue(po):
    _header, entries = po
    singular = [e for e in entries if e.msgid_plural is None and e.msgctxt is None]
    plural = [e for e in entries if e.msgid_plural is not None and e.msgctxt is None]
    step = max(1, len(singular) // 10)
    sample = singular[::step][:10]
    with translation.override("da"):
        assert lookup("Log in") == "Log ind"
        assert lookup("Log out") == "Log ud"
        for e in sample:
            assert lookup(e.msgid) == e.msgstr, str(e)
        for e in plural:
            assert lookup_plural(e.msgid, e.msgid_plural, 1) == e.msgstr_plural[0], str(e)
            assert lookup_plural(e.msgid, e.msgid_plural, 2) == e.msgstr_plural[1], str(e)
    with translation.override("en"):
        assert lookup("Log in") == "Log in"


def test_danish_is_the_default_language():
    assert settings.LANGUAGE_CODE == "da"
    assert Path(settings.LOCALE_PATHS[0]).resolve() == LOCALE_DIR.parent.parent.resolve()
