"""File names of exports: the user's language, æ ø å spelled out, the date as the language writes it."""

import datetime

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.filenames import file_name, slug

ON = datetime.date(2026, 11, 22)


def test_a_danish_name_keeps_its_words_with_ae_oe_aa_spelled_out_and_a_danish_date():
    with translation.override("da"):
        assert file_name("Resultatmål", "xlsx", ON) == "resultatmaal-22.11.2026.xlsx"
        assert file_name("Ledige småjob", "pdf", ON) == "ledige-smaajob-22.11.2026.pdf"
        assert file_name("Status hver 14. dag", "pdf", ON) == "status-hver-14-dag-22.11.2026.pdf"
        assert file_name("jobbro Borgere", "xlsx") == "jobbro-borgere.xlsx"


def test_another_language_writes_the_date_so_it_sorts_and_holds_no_slash():
    with translation.override("en"):
        assert file_name("Result goals", "xlsx", ON) == "result-goals-2026-11-22.xlsx"


@given(st.text(max_size=60))
def test_any_name_becomes_letters_digits_and_single_hyphens(text):
    name = slug(text)
    assert name and set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert "--" not in name and not name.startswith("-") and not name.endswith("-")
