"""The CV in the job database's structure: who may export it, what is (and is not) in it, and the way back in."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.audit.models import AccessLog
from jobbro.conftest import ALICES_CPR, rolled_back
from jobbro.exchange import jobnet
from jobbro.imports import runner
from jobbro.imports.models import ImportRun
from jobbro.people.models import CVEntry, JobGoal

pytestmark = pytest.mark.django_db

FIELDS = ("kind", "title", "organisation", "starts_on", "ends_on", "description", "recorded_on")


def cv_lines(citizen):
    return sorted(CVEntry.objects.filter(citizen=citizen).values_list(*FIELDS), key=repr)


def export(client, citizen, **params):
    return client.get(reverse("exchange_cv_json", kwargs={"citizen_pk": citizen.pk}), params)


def exported(client, user, citizen, **params):
    client.force_login(user)
    response = export(client, citizen, **params)
    assert response.status_code == 200
    return response


def import_file(data, user, name="cv.json", dry_run=False):
    with translation.override("da"):
        return runner.run([(name, data)], user=user, dry_run=dry_run)


# --- The export -----------------------------------------------------------------------------------------------------


def test_the_cv_page_offers_the_export_to_a_job_broker(client, alice, written_cv):
    client.force_login(alice)
    page = client.get(reverse("cv", kwargs={"citizen_pk": written_cv.pk})).content.decode()
    assert 'id="cv-jobnet-button"' in page and 'id="cv-jobnet-cpr"' in page


def test_the_file_holds_the_cv_by_section_in_the_job_database_structure(client, alice, written_cv):
    response = exported(client, alice, written_cv)
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    assert 'filename="cv-til-jobdatabasen-' in response["Content-Disposition"]
    document = json.loads(response.content)
    assert (document["format"], document["version"]) == (jobnet.FORMAT, jobnet.VERSION)
    assert [line["stilling"] for line in document["arbejdserfaring"]] == ["Opvasker", "Køkkenmedhjælper"]
    assert document["arbejdserfaring"][1] == {
        "stilling": "Køkkenmedhjælper",
        "arbejdsgiver": "Restaurant Mols",
        "fra": "2019-05-01",
        "til": "2020-06-30",
        "beskrivelse": "Skrevet sammen med borgeren.",
        "skrevet": "2025-03-10",
    }
    assert document["uddannelser"][0]["uddannelse"] == "Grundforløb 1"
    assert document["sprog"][0]["sprog"] == "Dansk" and document["kompetencer"][0]["kompetence"] == "Kørekort B"
    assert document["jegSoegerJobSom"] == [
        {
            "type": "jobmaal",
            "discoKode": "9412",
            "stillingsbetegnelse": written_cv.job_goals.get().occupation_title,
            "fra": "2025-03-10",
            "egneOrd": "Jeg vil lave mad",
        }
    ]
    assert document["kompetencekort"] == [{"omraade": "faglig", "niveau": 3, "vurderet": "2025-03-11"}]


def test_no_cpr_number_case_note_restriction_or_comment_leaks_into_the_file(client, alice, written_cv):
    text = exported(client, alice, written_cv).content.decode()
    digits = ALICES_CPR.replace("-", "")
    assert digits not in text and ALICES_CPR not in text and digits[:6] not in text
    assert '"cpr"' not in text
    for secret in ("misbrug", "Angst", "tunge løft", "fortroligt"):
        assert secret not in text
    assert AccessLog.objects.filter(
        citizen=written_cv, user=alice, view="cv_json", action=AccessLog.Action.READ, status_code=200
    ).exists()
    assert not AccessLog.objects.filter(citizen=written_cv, action=AccessLog.Action.REVEAL_CPR).exists()


def test_the_cpr_number_only_when_asked_for_and_then_logged_as_revealed(client, alice, written_cv):
    document = json.loads(exported(client, alice, written_cv, cpr="1").content)
    assert document["borger"]["cpr"] == ALICES_CPR
    assert AccessLog.objects.filter(
        citizen=written_cv, user=alice, view="exchange_cv_json", action=AccessLog.Action.REVEAL_CPR
    ).exists()


def test_an_administrator_exports_but_cannot_ask_for_the_cpr_number(client, administrator, written_cv):
    client.force_login(administrator)
    assert export(client, written_cv).status_code == 200
    assert export(client, written_cv, cpr="1").status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR).exists()


@pytest.mark.parametrize("who", ["charlie", "outside_caseworker", "coordinator", "mentor", "manager", "evaluator"])
def test_outsiders_and_roles_without_the_capability_get_404(client, staff, who, written_cv):
    client.force_login(getattr(staff, who))
    assert export(client, written_cv).status_code == 404
    assert export(client, written_cv, cpr="1").status_code == 404
    page = client.get(reverse("cv", kwargs={"citizen_pk": written_cv.pk}))
    assert 'id="cv-jobnet-button"' not in page.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR).exists()
    # The attempt is in the access log like any read of the citizen.
    assert AccessLog.objects.filter(citizen=written_cv, view="cv_json", status_code=404).exists()


def test_a_citizen_that_does_not_exist_is_404(client, alice, written_cv):
    client.force_login(alice)
    assert client.get(reverse("exchange_cv_json", kwargs={"citizen_pk": 999999})).status_code == 404


# --- The way back in ------------------------------------------------------------------------------------------------


def test_round_trip_export_then_import_changes_nothing(client, alice, coordinator, written_cv):
    data = exported(client, alice, written_cv, cpr="1").content
    before = cv_lines(written_cv)
    result = import_file(data, coordinator)
    assert result.committed and not result.rejected
    assert result.counts["cv"] == {"created": 0, "updated": 0, "unchanged": 8, "rejected": 0}
    assert result.counts["job_goals"] == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    assert cv_lines(written_cv) == before


def test_an_emptied_cv_is_written_again_from_the_file_and_a_second_import_changes_nothing(
    client, alice, coordinator, written_cv
):
    data = exported(client, alice, written_cv, cpr="1").content
    before = cv_lines(written_cv)
    CVEntry.objects.filter(citizen=written_cv).delete()
    first = import_file(data, coordinator)
    assert first.counts["cv"]["created"] == 8 and cv_lines(written_cv) == before
    second = import_file(data, coordinator)
    assert second.counts["cv"] == {"created": 0, "updated": 0, "unchanged": 8, "rejected": 0}
    assert cv_lines(written_cv) == before


def goals(citizen):
    return sorted(JobGoal.objects.filter(citizen=citizen).values_list("kind", "occupation_code", "text", "set_on"))


def test_job_wishes_come_back_from_the_file_and_a_second_import_changes_nothing(client, alice, coordinator, written_cv):
    data = exported(client, alice, written_cv, cpr="1").content
    before = goals(written_cv)
    JobGoal.objects.filter(citizen=written_cv).delete()
    assert import_file(data, coordinator).counts["job_goals"]["created"] == 1
    assert goals(written_cv) == before
    assert import_file(data, coordinator).counts["job_goals"]["unchanged"] == 1


def test_a_wish_without_the_citizens_words_takes_the_occupations_title(coordinator, written_cv):
    document = bad_cv()
    document.pop("arbejdserfaring")
    document.pop("sprog")
    document["jegSoegerJobSom"] = [
        {"type": "jobønske", "discoKode": "9412", "stillingsbetegnelse": "Køkkenmedhjælper", "fra": "2025-04-01"}
    ]
    result = import_file(json.dumps(document).encode(), coordinator)
    assert result.committed, result.rejected
    wish = JobGoal.objects.get(citizen=written_cv, kind="wish")
    assert (wish.occupation_code, wish.text, wish.set_on) == ("9412", "Køkkenmedhjælper", datetime.date(2025, 4, 1))


def test_a_wish_with_an_unknown_occupation_code_is_refused_under_its_field(coordinator, written_cv):
    document = bad_cv()
    document.pop("arbejdserfaring")
    document.pop("sprog")
    document["jegSoegerJobSom"] = [{"type": "jobmaal", "discoKode": "0000", "egneOrd": "Noget", "fra": "2025-04-01"}]
    result = import_file(json.dumps(document).encode(), coordinator)
    assert not result.committed
    assert [(r["sheet"], r["row"], r["column"]) for r in result.rejected] == [
        ("cv.json › jegSoegerJobSom", 1, "discoKode")
    ]


def test_the_file_wins_for_a_line_it_names_and_leaves_other_lines_alone(client, alice, coordinator, written_cv):
    document = json.loads(exported(client, alice, written_cv, cpr="1").content)
    document["arbejdserfaring"][1]["til"] = "2020-07-31"
    document["kurser"] = []
    result = import_file(json.dumps(document).encode(), coordinator)
    assert result.counts["cv"]["updated"] == 1
    line = CVEntry.objects.get(citizen=written_cv, title="Køkkenmedhjælper")
    assert line.ends_on == datetime.date(2020, 7, 31)
    assert CVEntry.objects.filter(citizen=written_cv, kind="course").count() == 1  # not in the file: kept


def test_a_file_without_the_cpr_number_is_refused_line_by_line_and_writes_nothing(
    client, alice, coordinator, written_cv
):
    data = exported(client, alice, written_cv).content
    CVEntry.objects.filter(citizen=written_cv).delete()
    result = import_file(data, coordinator)
    assert not result.committed and CVEntry.objects.count() == 0
    assert {r["column"] for r in result.rejected} == {"borger.cpr"}
    assert {r["reason"] for r in result.rejected} == {"Feltet skal udfyldes."}


def bad_cv():
    return {
        "format": jobnet.FORMAT,
        "version": 1,
        "borger": {"cpr": ALICES_CPR},
        "arbejdserfaring": [
            {"stilling": "Opvasker", "arbejdsgiver": "Mols", "fra": "2020-01-01", "skrevet": "2025-03-10"},
            {"stilling": "Kok", "fra": "31.02.2025", "skrevet": "2025-03-10"},
            {"arbejdsgiver": "Mols", "fra": "2021-01-01", "til": "2020-01-01", "skrevet": "2025-03-10"},
        ],
        "sprog": [{"sprog": "Dansk"}],
    }


def test_bad_lines_give_danish_errors_by_section_line_and_field_and_nothing_is_written(coordinator, written_cv):
    CVEntry.objects.filter(citizen=written_cv).delete()
    result = import_file(json.dumps(bad_cv()).encode(), coordinator)
    assert not result.committed and CVEntry.objects.count() == 0
    problems = {(r["sheet"], r["row"], r["column"]): r["reason"] for r in result.rejected}
    assert problems[("cv.json › arbejdserfaring", 2, "fra")].startswith("Datoen 31.02.2025 findes ikke")
    assert problems[("cv.json › arbejdserfaring", 3, "stilling")] == "Feltet skal udfyldes."
    assert problems[("cv.json › sprog", 1, "skrevet")] == "Feltet skal udfyldes."
    assert ("cv.json › arbejdserfaring", 1, "fra") not in problems


def test_an_end_before_its_start_is_refused_under_the_end(coordinator, written_cv):
    document = bad_cv()
    document["arbejdserfaring"] = [
        {"stilling": "Kok", "fra": "2021-01-01", "til": "2020-01-01", "skrevet": "2025-03-10"}
    ]
    document.pop("sprog")
    result = import_file(json.dumps(document).encode(), coordinator)
    assert [(r["row"], r["column"]) for r in result.rejected] == [(1, "til")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "er ikke gyldig JSON"),
        (json.dumps({"format": "noget andet"}).encode(), "er ikke et CV i jobdatabasens struktur"),
        (json.dumps({"format": jobnet.FORMAT, "version": 7}).encode(), "version 1"),
        (b"\xff\xfe\x00", "er ikke UTF-8-tekst"),
    ],
)
def test_a_file_that_is_not_a_cv_is_refused_whole(coordinator, written_cv, data, reason):
    result = import_file(data, coordinator)
    assert not result.committed and len(result.rejected) == 1
    assert reason in result.rejected[0]["reason"]


def test_a_section_of_the_wrong_shape_and_values_that_are_not_text_are_refused(coordinator, written_cv):
    document = bad_cv()
    document["arbejdserfaring"] = [{"stilling": 42, "skrevet": "2025-03-10"}]
    document["kurser"] = "Hygiejnebevis"
    result = import_file(json.dumps(document).encode(), coordinator)
    problems = {(r["sheet"], r["row"], r["column"]) for r in result.rejected}
    assert ("cv.json › arbejdserfaring", 1, "stilling") in problems
    assert ("cv.json › kurser", 0, "kurser") in problems


def test_a_file_larger_than_a_cv_is_refused_before_it_is_read(coordinator, written_cv):
    document = bad_cv()
    document["arbejdserfaring"][0]["beskrivelse"] = "x" * (jobnet.MAX_BYTES + 1)
    result = import_file(json.dumps(document).encode(), coordinator)
    assert not result.committed and "højst" in result.rejected[0]["reason"]


def test_the_row_limit_of_the_import_applies(coordinator, written_cv, settings):
    settings.IMPORT_MAX_ROWS = 2
    result = import_file(json.dumps(bad_cv()).encode(), coordinator)
    assert not result.committed and "højst have 2 rækker" in result.rejected[0]["reason"]


def test_a_cv_uploaded_on_the_import_page_is_checked_by_the_worker_then_imported(
    client, alice, coordinator, written_cv
):
    data = exported(client, alice, written_cv, cpr="1").content
    CVEntry.objects.filter(citizen=written_cv).delete()
    client.force_login(coordinator)
    response = client.post(reverse("import_new"), {"file": SimpleUploadedFile("cv.json", data)})
    dry = ImportRun.objects.get()
    assert response.status_code == 302 and (dry.status, dry.counts["cv"]["created"]) == ("done", 8)
    assert CVEntry.objects.count() == 0
    client.post(reverse("import_confirm", kwargs={"pk": dry.pk}))
    assert ImportRun.objects.get(dry_run=False).status == "done"
    assert CVEntry.objects.filter(citizen=written_cv).count() == 8


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda t: t.strip() == t and t.strip()
)


FORMULA_LIKE = st.sampled_from(["=1+2", "'=1+2", "@SUM(A1)", "-3 uger", "+45 20304050", "''=x"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.one_of(TEXT, FORMULA_LIKE),
    place=st.one_of(st.just(""), TEXT, FORMULA_LIKE),
    description=st.one_of(st.just(""), TEXT),
)
def test_any_line_text_survives_the_round_trip_unchanged(alice, coordinator, alices_citizen, title, place, description):
    """Titles, places and descriptions of any letters (formula-like ones too) come back as they were written."""
    from jobbro.people import actions

    with rolled_back():
        actions.add_cv_entry(
            acting_user=alice,
            citizen=alices_citizen,
            kind="work",
            title=title,
            organisation=place,
            description=description,
            starts_on=datetime.date(2020, 1, 1),
            recorded_on=datetime.date(2025, 3, 10),
        )
        before = cv_lines(alices_citizen)
        document = jobnet.cv_document(alices_citizen, reader_user=alice, cpr_number=ALICES_CPR.replace("-", ""))
        CVEntry.objects.filter(citizen=alices_citizen).delete()
        result = import_file(jobnet.to_json(document), coordinator)
        assert result.committed, result.rejected
        assert cv_lines(alices_citizen) == before
        again = import_file(jobnet.to_json(document), coordinator)
        assert again.counts["cv"]["unchanged"] == 1 and again.counts["cv"]["created"] == 0


def test_the_command_line_imports_a_cv_file_like_any_other(tmp_path, alice, coordinator, programme, written_cv):
    from io import StringIO

    from django.core.management import call_command

    document = jobnet.cv_document(written_cv, reader_user=alice, cpr_number=ALICES_CPR.replace("-", ""))
    path = tmp_path / "cv.json"
    path.write_bytes(jobnet.to_json(document))
    CVEntry.objects.filter(citizen=written_cv).delete()
    out = StringIO()
    with translation.override("da"):
        call_command(
            "import", str(path), "--user", coordinator.username, "--wait-for-worker", "0", stdout=out, stderr=StringIO()
        )
    assert CVEntry.objects.filter(citizen=written_cv).count() == 8
    assert "Importerede" in out.getvalue()


def test_a_coordinator_of_another_programme_cannot_write_the_cv_of_a_citizen_outside_it(
    client, alice, other_programme, written_cv
):
    from jobbro.accounts.models import Role
    from jobbro.conftest import make_user

    outsider = make_user("koordinator-randers", Role.COORDINATOR, programme=other_programme)
    data = exported(client, alice, written_cv, cpr="1").content
    before, wishes = cv_lines(written_cv), goals(written_cv)
    CVEntry.objects.filter(citizen=written_cv, kind="course").delete()
    result = import_file(data, outsider)
    assert not result.committed
    assert {r["column"] for r in result.rejected} == {"borger.cpr"}
    assert all(r["reason"].startswith("Ingen borger med dette CPR-nummer") for r in result.rejected)
    assert len(cv_lines(written_cv)) == len(before) - 1 and goals(written_cv) == wishes
