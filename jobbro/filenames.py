"""The names of the files jobbro hands out (report exports, the small-jobs board, import templates).

A name is what the user reads in their own language, cut to letters, digits and hyphens that every file system and
mail program keeps (æ, ø and å written ae, oe and aa), then the date the figures are as of. In Danish the date is
written as everywhere else in jobbro, 22.11.2026; in another language as 2026-11-22, which sorts and never holds a
slash.
"""

import re
import unicodedata

from django.http import HttpResponse
from django.utils.translation import get_language

SPELLED_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slug(text):
    """Lower-case letters and digits joined by hyphens: "Resultatmål og status" -> "resultatmaal-og-status"."""
    plain = unicodedata.normalize("NFKD", str(text).translate(SPELLED_OUT)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "jobbro"


def dated(on):
    return f"{on:%d.%m.%Y}" if (get_language() or "da").startswith("da") else f"{on:%Y-%m-%d}"


def file_name(name, extension, on=None):
    """The file name for `name` (translated text), as of `on` if given, with its extension."""
    parts = [slug(name)] + ([dated(on)] if on is not None else [])
    return f"{'-'.join(parts)}.{extension}"


def download(content, content_type, name):
    """The response that hands out a file under its name: an attachment, never kept by a browser or proxy cache (it
    holds personal data)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
