"""Effect runs: requested, computed by the task from the records and the programme's real panels, stored as the
analysis's JSON (no name, CPR number or project key in it); failures recorded in Danish; nothing left running; the
same inputs give the same run."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import Action, ChangeLog
from jobbro.effect import actions, panels, runs, sample, synthetic
from jobbro.effect.models import EffectRun, ProjectKey, TrialDesign
from jobbro.people import cpr

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
FIRST_WEEK = datetime.date(2022, 1, 3)  # a Monday, three years before the referrals (REFERRED_ON, 3 March 2025)
WEEKS = 180
AS_OF = datetime.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def immediate_tasks(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.REGISTER_DIR = tmp_path / "register"


@pytest.fixture
def referred(refer, site, other_site):
    made = []
    for n in range(24):
        made.append(
            refer(
                site=site if n % 2 else other_site,
                first_name=f"Navn{n}",
                last_name="Efternavnsen",
                referred_on=datetime.date(2025, 3, 3) + datetime.timedelta(days=7 * (n % 4)),
            )
        )
    return made


@pytest.fixture
def with_panels(programme, referred, administrator, tmp_path):
    """A register comparison with project keys and a synthetic delivery imported into the programme's panels."""
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.REGISTER_COMPARISON)
    actions.issue_project_keys(acting_user=administrator, programme=programme)
    table, without_key = runs.participants(programme, AS_OF, TrialDesign.Kind.REGISTER_COMPARISON)
    assert len(table) == 24 and without_key == 0
    mapping = sample.mapping_for_sample(administrator)  # the shipped default and a made-up code per category
    delivery = synthetic.write_delivery(
        tmp_path / "delivery",
        table,
        pool=400,
        first_week=FIRST_WEEK,
        weeks=WEEKS,
        seed=3,
        codes=dict(mapping.codes.values_list("code", "category")),
    )
    directory = actions.register_directory(programme)
    for kind in ("persons", "status", "hours"):
        panels.import_delivery(
            directory, kind, getattr(delivery, kind), known_codes=set(mapping.codes.values_list("code", flat=True))
        )
    return directory


def test_the_participants_are_keys_start_weeks_sites_and_target_groups(programme, referred, administrator, site):
    actions.issue_project_keys(acting_user=administrator, programme=programme)
    table, without_key = runs.participants(programme, AS_OF, TrialDesign.Kind.REGISTER_COMPARISON)
    assert without_key == 0
    assert list(table.columns) == ["person_key", "arm", "start_week", "site", "target_groups"]
    keys = {cpr.decrypt(token) for token in ProjectKey.objects.values_list("key_token", flat=True)}
    assert set(table.person_key) == keys
    assert set(table.arm) == {"programme"}
    assert all(day.weekday() == 0 for day in table.start_week)
    assert set(table.site) == {str(enrolment.site_id) for enrolment in referred}
    # Referred after the date: not a participant.
    early = runs.participants(programme, datetime.date(2025, 3, 5), TrialDesign.Kind.REGISTER_COMPARISON)[0]
    assert len(early) == 6


def test_a_run_is_computed_by_the_task_from_the_records_and_the_panels(programme, evaluator, referred, with_panels):
    run = runs.request_run(evaluator, programme, AS_OF)
    run.refresh_from_db()
    assert run.state == EffectRun.State.DONE, run.error
    assert run.finished_at is not None and run.error == ""
    assert run.generation == panels.current_generation(with_panels)
    assert run.mapping == actions.current_mapping()
    result = run.result
    assert result["method"] == "register_comparison"
    assert result["as_of"] == AS_OF.isoformat()
    assert result["counts"]["participants"] == 24
    assert result["counts"]["without_project_key"] == 0
    assert result["balance"]
    # Nothing in the stored result names anybody: no name, CPR number or project key.
    stored = json.dumps(result)
    for enrolment in referred:
        citizen = enrolment.citizen
        assert citizen.first_name not in stored
        assert citizen.last_name not in stored
        assert cpr.decrypt(citizen.cpr_encrypted) not in stored
    for token in ProjectKey.objects.values_list("key_token", flat=True):
        assert cpr.decrypt(token) not in stored


def test_the_same_inputs_give_the_same_run(programme, evaluator, manager, with_panels):
    first = runs.request_run(evaluator, programme, AS_OF)
    again = runs.request_run(manager, programme, AS_OF)
    assert again.pk == first.pk and EffectRun.objects.count() == 1
    # Each request that makes a run is in the change log, by whom and for which date; a request answered by an
    # existing run makes none.
    entries = ChangeLog.objects.filter(action=Action.REQUEST_EFFECT_RUN)
    assert [(entry.user_id, entry.object_id, entry.changes["as_of"]) for entry in entries] == [
        (evaluator.pk, str(first.pk), AS_OF.isoformat())
    ]
    other_date = runs.request_run(manager, programme, AS_OF - datetime.timedelta(days=7))
    assert other_date.pk != first.pk and EffectRun.objects.count() == 2


def test_only_managers_and_evaluators_of_the_programme_may_request_a_run(programme, staff, with_panels):
    for who in ("alice", "caseworker", "coordinator", "administrator", "charlie"):
        with pytest.raises(PermissionDenied):
            runs.request_run(getattr(staff, who), programme, AS_OF)
    assert EffectRun.objects.count() == 0


def test_nothing_to_compare_with_is_refused_in_words(programme, evaluator, administrator, referred):
    with pytest.raises(ValidationError, match="Projektet har intet forsøgsdesign"):
        runs.request_run(evaluator, programme, AS_OF)
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.REGISTER_COMPARISON)
    with pytest.raises(ValidationError, match="Der er endnu ikke indlæst registerdata"):
        runs.request_run(evaluator, programme, AS_OF)
    assert EffectRun.objects.count() == 0


def test_a_failing_run_records_why_in_danish_and_is_never_left_running(programme, evaluator, with_panels):
    ProjectKey.objects.all().delete()  # nobody can be linked any more
    run = EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        generation=panels.current_generation(with_panels),
        mapping=actions.current_mapping(),
        requested_by=evaluator,
    )
    runs.execute(run.pk, "da")
    run.refresh_from_db()
    assert run.state == EffectRun.State.FAILED and run.finished_at is not None
    assert run.error.startswith("Effektanalysen kunne ikke beregnes:")
    assert run.error == (
        "Effektanalysen kunne ikke beregnes: Ingen deltager visiteret senest den dag har en projektnøgle, så ingen "
        "kan sammenlignes."
    )
    assert run.result is None
    # A finished run is left alone by a second task.
    runs.execute(run.pk, "da")
    run.refresh_from_db()
    assert run.state == EffectRun.State.FAILED


def test_a_crash_in_the_analysis_is_recorded_too(programme, evaluator, with_panels):
    for path in with_panels.rglob("status.parquet"):
        path.unlink()  # the panels lose a file under the run
    run = EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        generation="gen-x",
        mapping=actions.current_mapping(),
        requested_by=evaluator,
    )
    runs.execute(run.pk, "da")
    run.refresh_from_db()
    assert run.state == EffectRun.State.FAILED
    assert run.error.startswith("Effektanalysen kunne ikke beregnes:")


def test_a_run_whose_worker_stopped_is_failed_in_danish(programme, evaluator):
    run = EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        state=EffectRun.State.RUNNING,
        requested_by=evaluator,
    )
    assert runs.fail_lost_runs() == 0  # just started
    later = timezone.now() + datetime.timedelta(seconds=runs.STALE_SECONDS + 60)
    from django.utils import translation

    with translation.override("da"):
        assert runs.fail_lost_runs(now=later) == 1
    run.refresh_from_db()
    assert run.state == EffectRun.State.FAILED
    assert run.error.startswith("Beregningen stoppede")


def test_in_a_lottery_the_arm_is_the_group_drawn_and_an_enrolment_without_a_draw_is_left_out(
    programme, site, refer, caseworker, administrator
):
    before = refer(site=site, first_name="Foer", referred_on=datetime.date(2025, 3, 3))
    actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    drawn = []
    for n in range(6):
        enrolment = refer(site=site, first_name=f"Lod{n}", referred_on=datetime.date(2025, 3, 10))
        drawn.append(actions.draw(acting_user=caseworker, enrolment=enrolment))
    actions.issue_project_keys(acting_user=administrator, programme=programme)
    table, without_key = runs.participants(programme, AS_OF, TrialDesign.Kind.LOTTERY)
    assert without_key == 0
    assert len(table) == 6  # the citizen referred before the lottery began has no draw
    keys = {row.citizen_id: cpr.decrypt(row.key_token) for row in ProjectKey.objects.filter(programme=programme)}
    assert keys[before.citizen_id] not in set(table.person_key)
    arms = dict(zip(table.person_key, table.arm, strict=True))
    for draw in drawn:
        assert arms[keys[draw.enrolment.citizen_id]] == draw.arm
    assert sorted(set(table.arm)) == ["control", "programme"]


def test_beregn_on_the_page_computes_and_the_page_shows_the_report(client, programme, evaluator, with_panels):
    client.force_login(evaluator)
    response = client.post(
        reverse("effect_report"), {"programme": programme.pk, "on": AS_OF.strftime("%d.%m.%Y"), "do": "compute"}
    )
    assert response.status_code == 302
    run = EffectRun.objects.get()
    assert run.state == EffectRun.State.DONE and run.requested_by == evaluator
    page = client.get(response["Location"])
    assert 'id="table-effect_balance"' in page.content.decode()


def test_a_changed_trial_design_is_computed_afresh(programme, evaluator, administrator, with_panels):
    first = runs.request_run(evaluator, programme, AS_OF)
    TrialDesign.objects.filter(programme=programme).update(kind=TrialDesign.Kind.LOTTERY)  # before any draw
    again = runs.request_run(evaluator, programme, AS_OF)
    assert again.pk != first.pk and again.design_kind == TrialDesign.Kind.LOTTERY
