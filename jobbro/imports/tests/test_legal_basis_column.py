"""The placements sheet's optional column Lovgrundlag (docs/funders.md "The legal basis of a placement"): a word of
the law's schemes is read as its legal basis, an empty cell gives a new placement its kind's usual one, and a word
outside the list is refused naming the column."""

import pytest
from django.utils import translation

from jobbro.cases.models import Placement
from jobbro.imports import runner, schemas
from jobbro.imports.tests.helpers import example_sheets, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


def run_placements(user, kind="småjob", legal_basis=None, with_column=True):
    sheets = example_sheets()
    header, row = sheets[schemas.BY_KIND["placements"].da]
    row[header.index("Type")] = kind
    if with_column:
        row[header.index("Lovgrundlag")] = legal_basis or ""
    else:
        index = header.index("Lovgrundlag")
        del header[index], row[index]
    with translation.override("da"):
        return runner.run([("import.xlsx", workbook(sheets))], user=user)


@pytest.mark.parametrize(
    ("kind", "word", "stored"),
    [
        ("praktik", "virksomhedspraktik", "lab_internship"),
        ("småjob", "løntilskud", "lab_wage_subsidy"),
        ("fleksjob", "Fleksjob – LAB § 116 ff. (kapitel 20)", "lab_flex_job"),
        ("uddannelse", "andet", "other"),
    ],
)
def test_the_legal_basis_is_read_from_the_column(cast, kind, word, stored):
    result = run_placements(cast, kind, word)
    assert result.rejected == [] and result.committed
    assert Placement.objects.get().legal_basis == stored


@pytest.mark.parametrize(
    ("kind", "stored"), [("praktik", "lab_internship"), ("løntilskud", "lab_wage_subsidy"), ("småjob", "ordinary")]
)
def test_an_empty_cell_or_no_column_gives_a_new_placement_its_kinds_usual_basis(cast, kind, stored):
    assert run_placements(cast, kind, "").committed
    assert Placement.objects.get().legal_basis == stored
    Placement.objects.all().delete()
    assert run_placements(cast, kind, with_column=False).committed
    assert Placement.objects.get().legal_basis == stored


def test_an_empty_cell_keeps_an_existing_placements_basis(cast):
    assert run_placements(cast, "praktik", "andet").committed
    assert run_placements(cast, "praktik", "").committed
    assert Placement.objects.get().legal_basis == "other"


def test_a_word_outside_the_list_is_refused_naming_the_column(cast):
    result = run_placements(cast, "praktik", "§ 999 i en anden lov")
    placements = [p["column"] for p in result.rejected if p["sheet"] == "Virksomhedsforløb"]
    assert placements == ["Lovgrundlag"]  # (the week of hours on it is refused with it, naming the placement)
    assert not result.committed and not Placement.objects.exists()
