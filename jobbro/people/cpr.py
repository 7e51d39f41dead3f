"""CPR numbers: validation, encryption at rest, keyed look-up hash and masking.

A CPR number is sensitive personal data. It is stored only as a Fernet token
(MultiFernet, so keys can be rotated) and as an HMAC-SHA256 digest under its own
key, used to find duplicates without decrypting. It never enters a URL, a log
line or a list page: templates show `mask(...)`, and the one reveal is logged.
"""

import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength

MASK = "XXXXXX-XXXX"


def normalise(raw):
    """Return the ten digits of a CPR number typed as 'DDMMYY-XXXX', with or without separators."""
    return re.sub(r"[\s\-]", "", str(raw or ""))


def validate(raw):
    """Return the normalised CPR number or raise ValidationError with a message for the user."""
    digits = normalise(raw)
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 10:  # the digits 0-9, not other scripts' digits
        raise ValidationError(_("A CPR number has 10 digits, written as DDMMÅÅ-XXXX."), code="cpr_format")
    try:
        stdnum_cpr.validate(digits)
    except (InvalidComponent, InvalidFormat, InvalidLength):
        raise ValidationError(
            _("The first six digits of the CPR number are not a real date of birth."), code="cpr_date"
        ) from None
    return digits


def birth_date(digits):
    return stdnum_cpr.get_birth_date(digits)


def sex(digits):
    """The legal sex recorded in the CPR number: odd last digit is male."""
    return "male" if int(digits[-1]) % 2 else "female"


def age(born: date, on: date):
    """Whole years from a birth date to a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_on(digits, on: date):
    return age(birth_date(digits), on)


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(digits):
    return _fernet(tuple(settings.CPR_KEYS)).encrypt(digits.encode()).decode()


def decrypt(token):
    return _fernet(tuple(settings.CPR_KEYS)).decrypt(token.encode()).decode()


def rotate(token):
    """Re-encrypt a token under the newest key (run after adding a key first in JOBBRO_CPR_KEYS)."""
    return _fernet(tuple(settings.CPR_KEYS)).rotate(token.encode()).decode()


def lookup_hash(digits):
    return hmac.new(settings.CPR_HASH_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


# An erased citizen's CPR values (jobbro/privacy): random, unique, and marked so no code mistakes them for a number.
# A real look-up hash is 64 hex digits and a real token is Fernet's base64, neither ever holds this prefix; the token
# is no Fernet token at all, so it can never be decrypted to a CPR number.
ERASED_PREFIX = "erased:"


def erased_values():
    """(token, look-up hash) for an erased citizen: random values that name no one."""
    import secrets

    return f"{ERASED_PREFIX}{secrets.token_hex(24)}", f"{ERASED_PREFIX}{secrets.token_hex(28)}"


def is_erased(lookup_hash_value):
    return str(lookup_hash_value or "").startswith(ERASED_PREFIX)


def mask(digits_or_none=None):
    """What every page shows instead of a CPR number: the birth date part hidden too."""
    return MASK
