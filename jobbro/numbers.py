"""Numbers as people type them: the digits 0-9, one decimal comma or point, and a sign only where allowed.

Python's int(), float() and Decimal() (and so Django's IntegerField, DecimalField and FloatField) also read
Arabic-Indic and other digits ("٤٠" is 40) and underscores ("1_0" is 10). A figure read that way is not what
the person saw on the screen or on paper, so every number typed into a page, a form or an imported sheet
is parsed here, and anything else is refused with one Danish message. `require_ascii_digits` puts the same
check in front of a Django number field; the shared form tools do that for every form.
"""

import math
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Digits only from 0-9, an optional decimal comma or point followed by at least one digit.
UNSIGNED = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
SIGNED = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
ONLY_DIGITS = _("Write the number with the digits 0-9.")
WHOLE_NUMBER = _("Write a whole number.")


def _number_text(value):
    """The text of a value as typed, trimmed of spaces."""
    if isinstance(value, bool):
        raise ValidationError(ONLY_DIGITS, code="digits")
    return str(value).strip(" \t\u00a0")


def is_plain_number(text, *, signed=False):
    """True if the text is a number written with the digits 0-9 (and one decimal comma or point)."""
    return bool((SIGNED if signed else UNSIGNED).fullmatch(text))


def parse_decimal(value, *, signed=False):
    """A typed number as a Decimal: "7,5", "7.5", "10" (and "-2" when signed). Decimals and ints pass as they are.

    Raises ValidationError (code "digits") for anything else: other digits, underscores, spaces inside,
    exponents, "NaN", two separators."""
    if isinstance(value, Decimal) and value.is_finite():
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(repr(value))  # a spreadsheet's number cell: via its shortest text, so 7.3 is 7.3
    else:
        text = _number_text(value)
        if not is_plain_number(text, signed=signed):
            raise ValidationError(ONLY_DIGITS, code="digits")
        number = Decimal(text.replace(",", "."))
    if not signed and number < 0:
        raise ValidationError(ONLY_DIGITS, code="digits")
    return number


def parse_integer(value, *, signed=False):
    """A typed whole number as an int; "7,0" is 7, "7,5" is refused."""
    number = parse_decimal(value, signed=signed)
    if number != number.to_integral_value():
        raise ValidationError(WHOLE_NUMBER, code="whole")
    return int(number)


# A Danish postcode: four of the digits 0-9 (a regular expression's \d would take other scripts' digits too).
POSTCODE = RegexValidator(r"^[0-9]{4}\Z", _("A postcode has 4 digits."), code="postcode")

NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def require_ascii_digits(field):
    """Put the digits-only check in front of a Django number field's own conversion (the form field instance only).

    The field still does its own range and decimal checks; signs are allowed where the field's own
    minimum allows a negative value."""
    if not isinstance(field, NUMBER_FIELDS) or getattr(field, "ascii_digits_only", False):
        return field
    convert = field.to_python
    signed = field.min_value is None or field.min_value < 0

    def to_python(value):
        if isinstance(value, str) and value.strip() and not is_plain_number(value.strip(), signed=signed):
            raise ValidationError(ONLY_DIGITS, code="digits")
        return convert(value)

    field.to_python = to_python
    field.ascii_digits_only = True
    return field


__all__ = ["ONLY_DIGITS", "POSTCODE", "is_plain_number", "parse_decimal", "parse_integer", "require_ascii_digits"]
