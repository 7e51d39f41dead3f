"""The Resultatmål sheet's optional columns: a goal for a site or a target group, a percent goal and the payment
criterion (docs/import.md, docs/setup.md)."""

import datetime

import pytest
from django.utils import translation

from jobbro.accounts.models import ResultGoal, Site, TargetGroup
from jobbro.imports import runner
from jobbro.imports.tests.helpers import workbook

pytestmark = pytest.mark.django_db

HEADER = ["Program", "Resultat", "Frist", "Måltal", "Måltype", "Lokation", "Målgruppe", "Betalingskriterium"]


@pytest.fixture
def young(db):
    return TargetGroup.objects.create(code="unge", name="Unge under 30")


@pytest.fixture
def sites(programme):
    return [Site.objects.create(programme=programme, name=name) for name in ("Aarhus", "Randers")]


def run(administrator, *rows):
    with translation.override("en"):
        return runner.run([("maal.xlsx", workbook({"Resultatmål": [HEADER, *rows]}))], user=administrator)


def test_goals_per_site_target_group_and_percent_are_imported_and_again_change_nothing(
    administrator, programme, sites, young
):
    rows = [
        [programme.name, "ansat", "31.12.2026", 40, "procent af dem i aktiv indsats", "", "unge", "ja"],
        [programme.name, "ansat", "31.12.2026", 20, "antal", "", "", "nej"],
        [programme.name, "ansat", "31.12.2026", 8, "", "aarhus", "", ""],
        [programme.name, "matchet og startet", "31.12.2026", 5, "", "Randers", "Unge under 30", ""],
    ]
    result = run(administrator, *rows)
    assert result.rejected == [] and result.committed
    assert result.counts["result_goals"]["created"] == 4
    found = set(
        ResultGoal.objects.filter(programme=programme).values_list(
            "metric", "kind", "target", "site__name", "target_group__code", "payment_criterion"
        )
    )
    assert found == {
        ("employed", "share_of_active", 40, None, "unge", True),
        ("employed", "count", 20, None, None, False),
        ("employed", "count", 8, "Aarhus", None, False),
        ("matched_and_started", "count", 5, "Randers", "unge", False),
    }
    again = run(administrator, *rows)
    assert again.counts["result_goals"] == {"created": 0, "updated": 0, "unchanged": 4, "rejected": 0}
    rows[0][3] = 45
    changed = run(administrator, *rows)
    assert changed.counts["result_goals"]["updated"] == 1
    assert ResultGoal.objects.get(kind="share_of_active").target == 45


def test_an_unknown_site_or_group_and_an_impossible_percent_are_refused_under_their_column(
    administrator, programme, sites, young
):
    result = run(
        administrator,
        [programme.name, "ansat", "30.06.2026", 4, "", "Horsens", "", ""],
        [programme.name, "ansat", "30.09.2026", 4, "", "", "pensionister", ""],
        [programme.name, "ansat", "31.12.2026", 140, "procent af henviste", "", "", ""],
        [programme.name, "henvist", "31.12.2026", 40, "procent af henviste", "", "", ""],
    )
    assert [(p["row"], p["column"]) for p in result.rejected] == [
        (2, "Lokation"),
        (3, "Målgruppe"),
        (4, "Måltal"),
        (5, "Resultat"),
    ]
    reasons = {p["column"]: p["reason"] for p in result.rejected}
    assert "pensionister" in reasons["Målgruppe"] and "100" in reasons["Måltal"]
    assert not result.committed and not ResultGoal.objects.exists()


def test_the_old_sheet_without_the_new_columns_still_reads(administrator, programme):
    book = {"Resultatmål": [["Program", "Resultat", "Frist", "Måltal"], [programme.name, "ansat", "30.06.2026", 5]]}
    result = runner.run([("maal.xlsx", workbook(book))], user=administrator)
    assert result.rejected == [] and result.committed
    goal = ResultGoal.objects.get()
    assert (goal.kind, goal.site, goal.target_group, goal.payment_criterion, goal.deadline) == (
        "count",
        None,
        None,
        False,
        datetime.date(2026, 6, 30),
    )
