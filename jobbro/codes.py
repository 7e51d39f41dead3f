"""Occupation (DISCO-08) and industry (DB07) codes, kept as plain validated codes.

The built-in lists hold the codes these programmes use most. The full official
lists plug in without code changes: point JOBBRO_DISCO08_FILE or JOBBRO_DB07_FILE
at a CSV file with the columns `code;title` (semicolon-separated, UTF-8), as
published by Danmarks Statistik, and those lists replace the built-in ones.
"""

import csv
import os
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BUILT_IN_OCCUPATIONS = {
    "4110": "Kontorassistent",
    "4321": "Lagerekspedient",
    "5120": "Kok",
    "5131": "Tjener",
    "5153": "Ejendomsfunktionær",
    "5223": "Butiksassistent",
    "5311": "Børnepasser",
    "5322": "Hjemmehjælper",
    "7115": "Tømrer",
    "8322": "Chauffør",
    "9111": "Husholdningshjælper",
    "9112": "Rengøringsassistent",
    "9214": "Gartnermedhjælper",
    "9313": "Bygningsarbejder",
    "9329": "Produktionsmedarbejder",
    "9333": "Lagerarbejder",
    "9411": "Fastfood-medarbejder",
    "9412": "Køkkenmedhjælper",
    "9622": "Altmuligmand / pedelmedhjælper",
    "9629": "Andet ufaglært arbejde",
}

BUILT_IN_INDUSTRIES = {
    "107100": "Fremstilling af brød og kager",
    "410000": "Opførelse af bygninger",
    "471110": "Dagligvarebutikker",
    "471120": "Supermarkeder",
    "521000": "Oplagring og lagerdrift",
    "551010": "Hoteller",
    "561010": "Restauranter",
    "562100": "Event catering",
    "682040": "Almene boligorganisationer",
    "812100": "Almindelig rengøring i bygninger",
    "813000": "Anlægsgartnere og landskabspleje",
    "841100": "Generelle offentlige tjenester",
    "855900": "Anden undervisning",
    "873000": "Plejehjem",
    "881000": "Hjemmehjælp og dagcentre",
    "949900": "Andre organisationer og foreninger",
    "960100": "Vaskerier og renserier",
}


def _load(path_env, built_in):
    path = os.environ.get(path_env)
    if not path:
        return dict(built_in)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row[0].strip(): row[1].strip() for row in csv.reader(handle, delimiter=";") if len(row) >= 2}


@lru_cache(maxsize=1)
def occupations():
    return _load("JOBBRO_DISCO08_FILE", BUILT_IN_OCCUPATIONS)


@lru_cache(maxsize=1)
def industries():
    return _load("JOBBRO_DB07_FILE", BUILT_IN_INDUSTRIES)


def occupation_choices():
    return [("", "—")] + [(code, f"{code} {title}") for code, title in sorted(occupations().items())]


def industry_choices():
    return [("", "—")] + [(code, f"{code} {title}") for code, title in sorted(industries().items())]


def validate_occupation_code(value):
    if value and value not in occupations():
        raise ValidationError(_("%(code)s is not a known DISCO-08 occupation code."), params={"code": value})


def validate_industry_code(value):
    if value and value not in industries():
        raise ValidationError(_("%(code)s is not a known DB07 industry code."), params={"code": value})


def occupation_title(code):
    return occupations().get(code, code)


def industry_title(code):
    return industries().get(code, code)
