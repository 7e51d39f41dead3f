"""Numbers are read only when written with the digits 0-9: Python and Django read "٤٠" as 40 and "1_0" as 10."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from jobbro.formtools import DesignSystemForm
from jobbro.numbers import is_plain_number, parse_decimal, parse_integer

NOT_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())


class Numbers(DesignSystemForm):
    whole = forms.IntegerField(required=False)
    decimal = forms.DecimalField(required=False, localize=True)
    floating = forms.FloatField(required=False)


@given(
    st.text(alphabet="0123456789,.-+ ", max_size=6),
    st.one_of(NOT_ASCII_DIGITS, st.just("_")),
    st.text(alphabet="0123456789", max_size=4),
)
@example("", "٤", "٠")
@example("1", "_", "0")
def test_any_text_with_another_digit_or_an_underscore_is_refused(before, odd, after):
    text = before + odd + after
    assert not is_plain_number(text, signed=True)
    with pytest.raises(ValidationError):
        parse_decimal(text, signed=True)
    form = Numbers({"whole": text, "decimal": text, "floating": text})
    assert not form.is_valid()
    assert set(form.errors) == {"whole", "decimal", "floating"}


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([",", "."]),
)
def test_any_well_formed_number_with_the_digits_0_to_9_is_read_as_its_value(value, separator):
    text = f"{value:f}".replace(".", separator)
    assert parse_decimal(text, signed=True) == value
    if value >= 0:
        assert parse_decimal(text) == value
    else:
        with pytest.raises(ValidationError):
            parse_decimal(text)  # a sign only where one is allowed


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_whole_numbers_are_read_in_forms_and_by_the_parser(number):
    assert parse_integer(str(number), signed=True) == number
    form = Numbers({"whole": str(number)})
    assert form.is_valid() and form.cleaned_data["whole"] == number


def test_django_alone_would_read_other_digits_but_jobbro_forms_refuse_them_in_danish():
    assert forms.IntegerField().clean("٤٠") == 40  # why the check is needed
    with translation.override("da"):
        form = Numbers({"whole": "٤٠", "decimal": "1_0"})
        assert not form.is_valid()
        assert form.errors["whole"] == ["Skriv tallet med cifrene 0-9."]
        assert form.errors["decimal"] == ["Skriv tallet med cifrene 0-9."]
        # A Danish decimal comma is a number; the language is set here, not left to whichever test ran before.
        assert Numbers({"decimal": "7,5"}).is_valid()


def test_a_float_from_a_spreadsheet_keeps_its_shortest_value():
    assert parse_decimal(7.3) == Decimal("7.3")
    assert parse_integer("7,0") == 7
    with pytest.raises(ValidationError):
        parse_integer("7,5")
