"""CPR numbers are validated, stored only encrypted, found by a keyed hash, and keys can be rotated."""

import datetime
import hashlib
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.dk import cpr as stdnum_cpr

from jobbro.people import cpr

DANISH_CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "da" / "LC_MESSAGES" / "django.mo"

FORMAT_MESSAGE = "A CPR number has 10 digits, written as DDMMÅÅ-XXXX."
DATE_MESSAGE = "The first six digits of the CPR number are not a real date of birth."


@pytest.fixture(autouse=True)
def _fresh_fernet_cache():
    cpr._fernet.cache_clear()
    yield
    cpr._fernet.cache_clear()


def rejection(raw, language="en"):
    """The error code and the messages, rendered in `language`, that validating `raw` raises."""
    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            cpr.validate(raw)
        return caught.value.code, caught.value.messages


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["0101901234", "010190-1234", "010190 1234", " 010190-1234 ", "010190 - 1234"])
def test_a_valid_number_is_accepted_with_or_without_dash_or_space(raw):
    assert cpr.validate(raw) == "0101901234"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "010190123",
        "01019012345",
        "010190-12345",
        "01O190-1234",
        "abcdefghij",
        "010190/1234",
        "0101.901234",
        "٠١٠١٩٠-١٢٣٤",
        "０１０１９０１２３４",
    ],  # other scripts' digits are not the digits 0-9
)
def test_wrong_length_letters_or_other_separators_are_rejected_as_a_format_error(raw):
    assert rejection(raw) == ("cpr_format", [FORMAT_MESSAGE])


@pytest.mark.parametrize(
    "raw",
    [
        "320190-1234",  # there is no 32 January
        "310290-1234",  # nor a 31 February
        "290290-1234",  # 1990 was not a leap year
        "001090-1234",  # day zero
        "011390-1234",  # month 13
        "010130-4234",  # serial 4 with year 30 means 2030: not born yet
    ],
)
def test_a_number_whose_first_six_digits_are_not_a_past_birth_date_is_rejected(raw):
    assert rejection(raw) == ("cpr_date", [DATE_MESSAGE])


def test_a_leap_day_birth_is_a_real_date():
    assert cpr.validate("290292-1234") == "2902921234"
    assert cpr.birth_date("2902921234") == datetime.date(1992, 2, 29)


@pytest.mark.parametrize(("raw", "code"), [("12345", "cpr_format"), ("320190-1234", "cpr_date")])
def test_the_rejection_is_translated_into_danish(raw, code):
    danish_code, [danish] = rejection(raw, "da")
    _english_code, [english] = rejection(raw, "en")
    assert danish_code == code
    # Until the Danish catalogue is compiled there is nothing to translate into; after that, no English.
    assert not DANISH_CATALOGUE.exists() or danish != english, f"{english!r} is not translated into Danish"


# The century table of the CPR office: the 7th digit and the two-digit year decide the century.
def serial_first_digits_for(year):
    yy = year % 100
    if 1900 <= year <= 1999:
        return "0123" + ("49" if yy >= 37 else "")
    if 2000 <= year <= 2057:
        return ("49" if yy <= 36 else "") + "5678"
    return ""


@st.composite
def birth_and_cpr(draw):
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()))
    first = draw(st.sampled_from(serial_first_digits_for(born.year)))
    rest = draw(st.integers(0, 999))
    digits = f"{born:%d%m%y}{first}{rest:03d}"
    return born, digits


@hypothesis_settings(max_examples=200)
@given(birth_and_cpr(), st.sampled_from(["{}", "{0}-{1}", "{0} {1}"]))
def test_any_past_birth_date_with_a_serial_of_its_century_validates_to_its_digits(case, layout):
    born, digits = case
    typed = layout.format(digits[:6], digits[6:]) if layout != "{}" else digits
    assert cpr.validate(typed) == digits
    assert stdnum_cpr.get_birth_date(digits) == born
    assert cpr.birth_date(digits) == born


def test_sex_and_age_are_read_from_the_number():
    assert cpr.sex("0101901234") == "female"
    assert cpr.sex("0101901233") == "male"
    assert cpr.age_on("0101901234", datetime.date(2025, 12, 31)) == 35
    assert cpr.age_on("0101901234", datetime.date(2026, 1, 1)) == 36


def test_every_page_shows_the_same_mask_whatever_the_number():
    assert cpr.mask("0101901234") == cpr.mask("3112991239") == cpr.mask() == "XXXXXX-XXXX"


# --- Encryption at rest --------------------------------------------------------------------


def test_encryption_round_trips():
    assert cpr.decrypt(cpr.encrypt("0101901234")) == "0101901234"


def test_each_encryption_gives_a_new_token_and_none_contains_the_number():
    tokens = {cpr.encrypt("0101901234") for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert "0101901234" not in token
        assert "010190" not in token


def test_a_token_made_under_another_key_cannot_be_read(settings):
    settings.CPR_KEYS = [Fernet.generate_key().decode()]
    token = cpr.encrypt("0101901234")
    settings.CPR_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(InvalidToken):
        cpr.decrypt(token)


def test_key_rotation_keeps_old_tokens_readable_and_rotate_moves_them_to_the_new_key(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CPR_KEYS = [key_a]
    old_token = cpr.encrypt("0101901234")

    settings.CPR_KEYS = [key_b, key_a]
    assert cpr.decrypt(old_token) == "0101901234"
    rotated = cpr.rotate(old_token)
    assert rotated != old_token
    new_token = cpr.encrypt("0101901234")

    settings.CPR_KEYS = [key_b]  # key A retired
    assert cpr.decrypt(rotated) == "0101901234"
    assert cpr.decrypt(new_token) == "0101901234", "the newest key must be the one that encrypts"
    with pytest.raises(InvalidToken):
        cpr.decrypt(old_token)


# --- Keyed look-up hash --------------------------------------------------------------------


def test_the_lookup_hash_is_deterministic_and_distinguishes_numbers():
    assert cpr.lookup_hash("0101901234") == cpr.lookup_hash("0101901234")
    assert cpr.lookup_hash("0101901234") != cpr.lookup_hash("0101901235")


def test_the_lookup_hash_is_keyed(settings):
    settings.CPR_HASH_KEY = "first key"
    first = cpr.lookup_hash("0101901234")
    settings.CPR_HASH_KEY = "second key"
    assert cpr.lookup_hash("0101901234") != first
    settings.CPR_HASH_KEY = "first key"
    assert cpr.lookup_hash("0101901234") == first


@hypothesis_settings(max_examples=50)
@given(birth_and_cpr())
def test_the_lookup_hash_is_never_a_plain_digest_of_the_number(case):
    _born, digits = case
    digest = cpr.lookup_hash(digits)
    assert digits not in digest
    assert digest != hashlib.sha256(digits.encode()).hexdigest()
    assert digest != hashlib.sha256(f"{digits[:6]}-{digits[6:]}".encode()).hexdigest()
