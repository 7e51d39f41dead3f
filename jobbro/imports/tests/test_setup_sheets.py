"""The set-up sheets: programmes, sites, staff memberships and result goals, imported by an administrator."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from jobbro.accounts.actions import create_site
from jobbro.accounts.models import Membership, Programme, ResultGoal, Site, TargetGroup
from jobbro.audit.models import Action, ChangeLog
from jobbro.imports import runner, schemas
from jobbro.imports.tests.helpers import csv_bytes, example_sheets, workbook

pytestmark = pytest.mark.django_db

PROGRAMMES = ["Navn", "Startdato", "Slutdato", "Beskrivelse", "Målgrupper"]
SITES = ["Program", "Navn", "Type", "Kommunekode"]
MEMBERSHIPS = ["Brugernavn", "Program", "Lokation"]
GOALS = ["Program", "Resultat", "Frist", "Måltal", "Heraf socialøkonomiske"]


def setup_book():
    return {
        "Projekter": [PROGRAMMES, ["Job i Østjylland", "01.01.2026", "31.12.2028", "Småjob", "unge"]],
        "Lokationer": [
            SITES,
            ["Job i Østjylland", "Aarhus Kommune", "kommune", "751"],
            ["Job i Østjylland", "Opsøgende team", "opsøgende kontor", ""],
        ],
        "Medlemskaber": [
            MEMBERSHIPS,
            ["alice", "Job i Østjylland", "Opsøgende team"],
            ["sara", "Job i Østjylland", ""],
        ],
        "Resultatmål": [
            GOALS,
            ["Job i Østjylland", "ansat", "30.06.2026", 20, ""],
            ["Job i Østjylland", "ansat", "31.12.2026", 50, 10],
            ["Job i Østjylland", "henvist", "31.12.2026", 120, ""],
        ],
    }


@pytest.fixture
def youth(db):
    return TargetGroup.objects.create(code="unge", name="Unge under 30")


def test_an_administrator_sets_up_a_programme_by_import_and_again_changes_nothing(
    administrator, alice, caseworker, youth
):
    data = workbook(setup_book())
    result = runner.run([("opsaetning.xlsx", data)], user=administrator)
    assert result.rejected == [] and result.committed
    assert {kind: result.counts[kind]["created"] for kind in schemas.SETUP_KINDS} == {
        "programmes": 1,
        "sites": 2,
        "memberships": 2,
        "result_goals": 3,
    }
    programme = Programme.objects.get(name="Job i Østjylland")
    assert (programme.starts_on, programme.ends_on, programme.description) == (
        datetime.date(2026, 1, 1),
        datetime.date(2028, 12, 31),
        "Småjob",
    )
    assert list(programme.target_groups.all()) == [youth]
    assert dict(programme.sites.values_list("name", "kind")) == {
        "Aarhus Kommune": Site.Kind.MUNICIPALITY,
        "Opsøgende team": Site.Kind.OUTREACH_OFFICE,
    }
    assert set(Membership.objects.filter(programme=programme).values_list("user__username", "site__name")) == {
        ("alice", "Opsøgende team"),
        ("sara", None),
    }
    assert list(
        ResultGoal.objects.filter(programme=programme, metric="employed").values_list("deadline", "target")
    ) == [(datetime.date(2026, 6, 30), 20), (datetime.date(2026, 12, 31), 50)]

    again = runner.run([("opsaetning.xlsx", data)], user=administrator)
    assert again.committed
    for kind in schemas.SETUP_KINDS:
        assert again.counts[kind]["created"] == again.counts[kind]["updated"] == 0, kind

    changed = setup_book()
    changed["Resultatmål"][1][3] = 25  # the interim target moves
    changed["Lokationer"][2][3] = "751"
    result = runner.run([("opsaetning.xlsx", workbook(changed))], user=administrator)
    assert result.counts["result_goals"] == {"created": 0, "updated": 1, "unchanged": 2, "rejected": 0}
    assert result.counts["sites"] == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    assert programme.result_goals.get(deadline=datetime.date(2026, 6, 30)).target == 25


def test_the_other_sheets_of_the_same_import_may_name_the_new_programme_and_site(
    administrator, alice, caseworker, youth
):
    sheets = {**setup_book(), **example_sheets(["citizens", "enrolments"])}
    header, row = sheets["Forløb"]
    row = list(row)
    row[header.index("Program")] = "Job i Østjylland"
    row[header.index("Site")] = "Opsøgende team"
    row[header.index("Startdato")] = "05.01.2026"
    sheets["Forløb"] = [header, row]
    result = runner.run([("alt.xlsx", workbook(sheets))], user=administrator)
    assert result.rejected == [], result.rejected
    enrolment = Programme.objects.get(name="Job i Østjylland").enrolments.get()
    assert enrolment.site.name == "Opsøgende team"


def test_a_coordinator_may_not_import_the_set_up_sheets(coordinator, alice):
    with translation.override("en"):
        result = runner.run([("opsaetning.xlsx", workbook(setup_book()))], user=coordinator, dry_run=False)
    assert not result.committed
    assert len(result.rejected) == 8
    assert all("Only administrators" in problem["reason"] for problem in result.rejected)
    assert not Programme.objects.filter(name="Job i Østjylland").exists()


def test_bad_rows_are_all_reported_and_nothing_is_written(administrator, alice, caseworker, youth):
    book = setup_book()
    book["Projekter"].append(["Job i Vest", "01.01.2026", "31.12.2025", "", "ukendt gruppe"])
    book["Lokationer"].append(["Job i Østjylland", "Horsens", "kommune", "61"])
    book["Lokationer"].append(["Job i Østjylland", "aarhus kommune", "", ""])  # the same site again
    book["Medlemskaber"].append(["ingen", "Job i Østjylland", ""])
    book["Medlemskaber"].append(["alice", "Job i Østjylland", "Randers"])
    book["Resultatmål"].append(["Job i Østjylland", "ansat", "31.03.2027", 5, 6])
    book["Resultatmål"].append(["Job i Østjylland", "lykkelig", "31.03.2027", 5, ""])
    with translation.override("en"):
        result = runner.run([("opsaetning.xlsx", workbook(book))], user=administrator)
    problems = [(p["sheet"], p["row"], p["column"]) for p in result.rejected]
    assert problems == [
        ("Projekter", 3, "Slutdato"),
        ("Projekter", 3, "Målgrupper"),
        ("Lokationer", 4, "Kommunekode"),
        ("Lokationer", 5, "Navn"),
        ("Medlemskaber", 4, "Brugernavn"),
        ("Medlemskaber", 5, "Lokation"),
        ("Resultatmål", 6, "Resultat"),
        ("Resultatmål", 5, "Heraf socialøkonomiske"),
    ]
    reasons = {p["column"]: p["reason"] for p in result.rejected}
    assert "Referred" in reasons["Resultat"] and "referred" not in reasons["Resultat"]
    assert not result.committed
    assert not Programme.objects.filter(name="Job i Østjylland").exists()


def test_a_csv_of_sites_is_known_by_its_name_and_a_companies_csv_is_never_taken_for_sites(administrator, programme):
    sites = csv_bytes([["Navn", "Type"], ["Randers Kommune", "kommune"]])
    result = runner.run([("lokationer.csv", sites)], user=administrator, programme=programme)
    assert result.rejected == [] and programme.sites.filter(name="Randers Kommune").exists()
    companies = csv_bytes(
        [["CVR-nummer", "Navn", "Branchekode", "Type"], ["12345674", "Café Havnen", "561010", "privat"]]
    )
    result = runner.run([("liste.csv", companies)], user=administrator, dry_run=True)
    assert result.rejected == [] and result.counts["companies"]["created"] == 1 and "sites" not in result.counts


def test_the_command_line_without_a_user_sets_up_a_programme(tmp_path, alice, caseworker, youth):
    path = tmp_path / "opsaetning.xlsx"
    path.write_bytes(workbook(setup_book()))
    out = io.StringIO()
    with translation.override("da"):
        call_command("import", str(path), stdout=out, stderr=io.StringIO())
    assert "Projekter" in out.getvalue() and "Resultatmål" in out.getvalue()
    assert Programme.objects.get(name="Job i Østjylland").sites.count() == 2


def test_the_import_pages_offer_the_set_up_templates_to_administrators_only(client, coordinator, administrator):
    from django.urls import reverse

    programmes_template = reverse("import_template", kwargs={"kind": "programmes"})
    client.force_login(administrator)
    assert programmes_template in client.get(reverse("import_list")).content.decode()
    assert 'value="result_goals"' in client.get(reverse("import_new")).content.decode()
    client.force_login(coordinator)
    assert programmes_template not in client.get(reverse("import_list")).content.decode()
    assert 'value="result_goals"' not in client.get(reverse("import_new")).content.decode()
    assert (
        reverse("import_template", kwargs={"kind": "companies"}) in client.get(reverse("import_list")).content.decode()
    )


def test_the_set_up_rows_are_written_through_the_accounts_actions_with_their_change_log(
    administrator, alice, caseworker, youth
):
    result = runner.run([("opsaetning.xlsx", workbook(setup_book()))], user=administrator)
    assert result.committed
    logged = list(ChangeLog.objects.filter(user=administrator).values_list("action", flat=True))
    assert sorted(logged) == sorted(
        [Action.CREATE_PROGRAMME]
        + [Action.CREATE_SITE] * 2
        + [Action.ADD_MEMBERSHIP] * 2
        + [Action.CREATE_RESULT_GOAL] * 3
    )
    book = setup_book()
    book["Lokationer"][1][3] = "752"  # one site's municipality code changes: one update, through the action
    runner.run([("opsaetning.xlsx", workbook(book))], user=administrator)
    assert ChangeLog.objects.filter(user=administrator, action=Action.UPDATE_SITE).count() == 1


def test_a_municipality_code_is_refused_alike_by_the_import_and_the_set_up_action(administrator, programme):
    with translation.override("da"):
        result = runner.run(
            [("opsaetning.xlsx", workbook({"Lokationer": [SITES, [programme.name, "Horsens", "kommune", "61"]]}))],
            user=administrator,
        )
        [problem] = result.rejected
        assert (problem["column"], problem["reason"]) == ("Kommunekode", "En kommunekode har 3 cifre.")
        with pytest.raises(ValidationError) as refused:
            create_site(acting_user=administrator, programme=programme, name="Horsens", municipality_code="61")
        assert refused.value.message_dict["municipality_code"] == ["En kommunekode har 3 cifre."]
