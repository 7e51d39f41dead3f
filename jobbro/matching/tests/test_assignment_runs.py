"""The assignment proposal as a run on the task worker: started from the page, its progress shown while it works,
its pairs stored with their scores and shown a page at a time, explained for the reader when the page is shown; a
run whose worker died is marked failed; only users who may run the matching start or see runs, and each sees only
the pairs of citizens in their scope."""

import datetime
import socket
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from jobbro import codes
from jobbro.accounts.models import Role
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Step
from jobbro.companies.models import Opening
from jobbro.conftest import REFERRED_ON, make_company, make_opening, make_user
from jobbro.matching import tasks
from jobbro.matching.models import AssignmentPair, AssignmentRun, MatchProposal, MatchStatus
from jobbro.people import actions as people_actions
from jobbro.people.models import JobGoal, Restriction

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUED_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
URL = "match_assignment"


@pytest.fixture
def run_at_once(settings):
    """Queued runs are computed at once, in the request (a worker process would not see the test's transaction)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def waiting(refer, caseworker):
    def _waiting(**overrides):
        enrolment = refer(**overrides)
        case_actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=REFERRED_ON)
        return enrolment

    return _waiting


@pytest.fixture
def network(waiting, company, programme, other_site, caseworker):
    """Two waiting citizens in Aarhus and one in Randers, and a small job for each of them."""
    cook = waiting(first_name="Karen", last_name="Kok", estimated_weekly_hours=20)
    people_actions.set_job_goal(
        acting_user=caseworker,
        citizen=cook.citizen,
        text="Køkkenhjælp i en kantine",
        occupation_code="9412",
        set_on=REFERRED_ON,
    )
    gardener = waiting(first_name="Gert", last_name="Gartner", estimated_weekly_hours=20)
    randers = waiting(first_name="Rita", last_name="Randers", site=other_site, estimated_weekly_hours=20)
    jobs = [make_opening(company, programme, f"Køkken {n}", occupation_code="9412", weekly_hours=8) for n in range(3)]
    return {"cook": cook, "gardener": gardener, "randers": randers, "jobs": jobs}


def page(client, programme, **params):
    return client.get(reverse(URL), {"programme": programme.pk, **params})


def start_run(client, programme):
    return client.post(reverse("match_assignment_run"), {"programme": programme.pk})


def shown_pairs(response):
    return {(row["match"].enrolment.pk, row["match"].opening.pk) for row in response.context["rows"]}


# --- Starting a run and reading its pairs ---------------------------------------------------------------------


def test_a_run_stores_its_pairs_with_scores_and_the_page_explains_them_for_the_reader(
    client, coordinator, administrator, programme, network, run_at_once
):
    client.force_login(coordinator)
    response = start_run(client, programme)
    assert response.status_code == 302 and response.url == f"{reverse(URL)}?programme={programme.pk}"
    run = AssignmentRun.objects.get()
    assert (run.status, run.programme, run.requested_by, run.on) == (
        AssignmentRun.Status.DONE,
        programme,
        coordinator,
        timezone.localdate(),
    )
    assert (run.citizens, run.openings, run.places) == (3, 3, 3)
    assert run.feasible_pairs == 9 and run.candidate_pairs == 9 and run.keep == 20
    stored = {(p.enrolment_id, p.opening_id): p.score for p in AssignmentPair.objects.filter(run=run)}
    assert {e for e, _o in stored} == {network["cook"].pk, network["gardener"].pk, network["randers"].pk}
    assert all(0 < score <= 100 for score in stored.values())

    response = page(client, programme)
    assert shown_pairs(response) == set(stored)
    cook_row = next(r for r in response.context["rows"] if r["match"].enrolment == network["cook"])
    assert cook_row["match"].score == round(stored[(network["cook"].pk, cook_row["match"].opening.pk)], 1)
    html = response.content.decode()
    assert 'id="run-sizes"' in html and 'id="run-pairs"' in html
    # Written for the reader when shown: the coordinator may not read case notes, so the job goal is the
    # occupation's title, not the citizen's own words; the administrator may, and reads them.
    assert not any("Køkkenhjælp i en kantine" in reason for reason in cook_row["match"].reasons)
    assert any(codes.occupation_title("9412") in reason for reason in cook_row["match"].reasons)
    client.force_login(administrator)
    admin_row = next(r for r in page(client, programme).context["rows"] if r["match"].enrolment == network["cook"])
    assert any("Køkkenhjælp i en kantine" in reason for reason in admin_row["match"].reasons)


def test_accepting_a_stored_pair_proposes_it_and_the_page_then_shows_the_proposal(
    client, coordinator, programme, network, run_at_once
):
    client.force_login(coordinator)
    start_run(client, programme)
    pair = AssignmentPair.objects.get(enrolment=network["cook"])
    url = f"{reverse(URL)}?programme={programme.pk}"
    propose = reverse(
        "match_propose", kwargs={"citizen_pk": network["cook"].citizen_id, "enrolment_pk": network["cook"].pk}
    )
    response = client.post(propose, {"opening": pair.opening_id, "score": f"{pair.score:.1f}", "next": url})
    assert response.status_code == 302 and response.url == url
    proposal = MatchProposal.objects.get()
    assert (proposal.enrolment, proposal.opening_id, proposal.status) == (
        network["cook"],
        pair.opening_id,
        MatchStatus.PROPOSED,
    )
    html = page(client, programme).content.decode()
    assert f'data-proposal="{proposal.pk}"' in html, "the pair now shows its proposal instead of the button"


def test_a_pair_that_no_longer_suits_says_why_in_the_readers_words_and_cannot_be_accepted(
    client, coordinator, administrator, caseworker, programme, network, run_at_once
):
    client.force_login(coordinator)
    start_run(client, programme)
    pair = AssignmentPair.objects.get(enrolment=network["gardener"])
    # Since the run, the citizen got a restriction that rules the small job out.
    Opening.objects.filter(pk=pair.opening_id).update(requirements=["heavy_lifting"])
    people_actions.add_restriction(
        acting_user=caseworker,
        citizen=network["gardener"].citizen,
        tag=Restriction.Tag.NO_HEAVY_LIFTING,
        recorded_on=timezone.localdate(),
    )
    # The reader who may not read restrictions gets the same sentence as for hours or Danish; the one who may, the
    # restriction.
    vague = gettext("the small job does not suit the citizen")
    restriction = gettext("the tasks involve %(what)s, which the citizen's restrictions rule out").split("%(what)s")[1]
    for user, sentence, hidden in ((coordinator, vague, restriction), (administrator, restriction, vague)):
        client.force_login(user)
        response = page(client, programme)
        row = next(r for r in response.context["rows"] if r["match"].enrolment == network["gardener"])
        assert row["match"].excluded
        assert any(sentence in reason for reason in row["match"].reasons)
        assert not any(hidden in reason for reason in row["match"].reasons)
        html = response.content.decode()
        tr = html[html.index(f'<tr data-enrolment="{network["gardener"].pk}"') :]
        tr = tr[: tr.index("</tr>")]
        assert "data-excluded" in tr and "<form" not in tr


def test_staff_see_only_the_pairs_of_citizens_in_their_scope(client, coordinator, programme, other_site, network):
    run = AssignmentRun.objects.create(
        programme=programme, on=timezone.localdate(), keep=20, status=AssignmentRun.Status.DONE
    )
    for enrolment, job in zip(("cook", "gardener", "randers"), network["jobs"], strict=True):
        AssignmentPair.objects.create(run=run, enrolment=network[enrolment], opening=job, score=50.0)
    randers_coordinator = make_user("rune", Role.COORDINATOR, programme=programme, site=other_site)
    client.force_login(randers_coordinator)
    response = page(client, programme)
    assert {row["match"].enrolment for row in response.context["rows"]} == {network["randers"]}
    html = response.content.decode()
    assert network["cook"].citizen.full_name not in html and network["gardener"].citizen.full_name not in html
    client.force_login(coordinator)
    assert len(page(client, programme).context["rows"]) == 3


def test_the_pairs_are_shown_a_page_at_a_time_for_the_same_number_of_queries(
    client, coordinator, programme, waiting, company
):
    run = AssignmentRun.objects.create(
        programme=programme, on=timezone.localdate(), keep=20, status=AssignmentRun.Status.DONE
    )

    def add_pairs(count, offset):
        for n in range(count):
            enrolment = waiting(first_name=f"Borger{offset + n:03d}")
            job = make_opening(make_company(f"Firma {offset + n}", programme=programme), programme, f"Job {n}")
            AssignmentPair.objects.create(run=run, enrolment=enrolment, opening=job, score=90.0 - offset - n)

    client.force_login(coordinator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = page(client, programme)
        return len(captured), response

    add_pairs(3, 0)
    few, _response = queries()
    add_pairs(60, 3)
    many, response = queries()
    assert few == many <= 40
    assert len(response.context["rows"]) == 50
    assert [row["match"].score for row in response.context["rows"]][:2] == [90.0, 89.0], "best first"
    second = page(client, programme, page=2)
    assert len(second.context["rows"]) == 13
    assert f"programme={programme.pk}&amp;page=2" in response.content.decode()


def test_a_second_run_is_not_started_while_one_works_and_a_finished_run_replaces_the_earlier_ones(
    client, coordinator, programme, network, settings
):
    settings.TASKS = QUEUED_ONLY  # queued, never run: the run stays waiting
    client.force_login(coordinator)
    start_run(client, programme)
    response = start_run(client, programme)
    assert AssignmentRun.objects.count() == 1
    assert response.status_code == 302
    waiting_run = AssignmentRun.objects.get()
    assert waiting_run.status == AssignmentRun.Status.PENDING
    tasks.execute(waiting_run.pk)  # what the worker does
    first = AssignmentRun.objects.get()
    assert first.status == AssignmentRun.Status.DONE and first.pairs.count() == 3
    start_run(client, programme)
    second = AssignmentRun.objects.latest("pk")
    tasks.execute(second.pk)
    assert list(AssignmentRun.objects.values_list("pk", flat=True)) == [second.pk]
    assert AssignmentPair.objects.filter(run=first.pk).count() == 0
    tasks.execute(second.pk)  # a task seen twice computes the run once
    assert AssignmentPair.objects.filter(run=second).count() == 3


def test_a_run_for_a_programme_without_waiting_citizens_is_done_with_nothing_to_propose(
    client, coordinator, programme, run_at_once
):
    client.force_login(coordinator)
    start_run(client, programme)
    run = AssignmentRun.objects.get()
    assert run.status == AssignmentRun.Status.DONE and run.citizens == 0 and not run.pairs.exists()
    nothing = gettext("No pairs to propose: no waiting citizen suits an open small job.")
    assert escape(nothing) in page(client, programme).content.decode()


# --- Progress --------------------------------------------------------------------------------------------------


def test_the_page_shows_the_progress_of_a_waiting_and_a_running_run_and_polls_it(
    client, coordinator, programme, settings
):
    settings.TASKS = QUEUED_ONLY
    client.force_login(coordinator)
    html = page(client, programme).content.decode()
    assert 'id="start-assignment"' in html and 'id="assignment-progress"' not in html
    start_run(client, programme)
    html = page(client, programme).content.decode()
    progress = reverse("match_assignment_progress")
    assert f'hx-get="{progress}?programme={programme.pk}"' in html and 'data-status="pending"' in html
    assert 'id="start-assignment"' not in html, "no second run while one is waiting"

    run = AssignmentRun.objects.get()
    run.status, run.worker, run.heartbeat_at = AssignmentRun.Status.RUNNING, "elsewhere:1", timezone.now()
    run.save()
    heartbeat = tasks.Heartbeat(run.pk)
    heartbeat.phase(AssignmentRun.Phase.SCORING)
    heartbeat.progress(1200, 33793)
    heartbeat.write()
    response = client.get(progress, {"programme": programme.pk})
    assert response.status_code == 200 and "HX-Refresh" not in response
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="assignment-progress"') and "<html" not in fragment
    assert 'data-phase="scoring"' in fragment and 'value="1200"' in fragment and 'max="33793"' in fragment

    tasks.execute(run.pk)  # not pending: left alone
    assert AssignmentRun.objects.get().status == AssignmentRun.Status.RUNNING
    AssignmentRun.objects.filter(pk=run.pk).update(status=AssignmentRun.Status.DONE)
    finished = client.get(progress, {"programme": programme.pk})
    assert finished.status_code == 200 and finished["HX-Refresh"] == "true"


# --- Runs whose worker died ------------------------------------------------------------------------------------


def running(programme, *, worker, silent_for):
    return AssignmentRun.objects.create(
        programme=programme,
        on=timezone.localdate(),
        keep=20,
        status=AssignmentRun.Status.RUNNING,
        phase=AssignmentRun.Phase.SCORING,
        worker=worker,
        heartbeat_at=timezone.now() - silent_for,
    )


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_whose_heartbeat_stopped_is_marked_failed_when_the_page_is_viewed(client, coordinator, programme):
    lost = running(programme, worker="gone.example:1", silent_for=datetime.timedelta(seconds=tasks.STALE_SECONDS + 5))
    client.force_login(coordinator)
    response = page(client, programme)
    lost.refresh_from_db()
    assert lost.status == AssignmentRun.Status.FAILED and "gone.example:1" in lost.error
    html = response.content.decode()
    assert 'data-status="failed"' in html and escape(lost.error) in html
    assert 'id="start-assignment"' in html, "a new run may be started"


def test_a_run_with_a_recent_heartbeat_keeps_running_but_one_whose_process_ended_here_fails_at_once(
    client, coordinator, programme, other_programme
):
    alive = running(programme, worker="elsewhere.example:1", silent_for=datetime.timedelta(seconds=5))
    dead = running(
        other_programme, worker=f"{socket.gethostname()}:{dead_pid()}", silent_for=datetime.timedelta(seconds=1)
    )
    assert tasks.sweep() is None
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == AssignmentRun.Status.RUNNING
    assert dead.status == AssignmentRun.Status.FAILED
    client.force_login(coordinator)
    response = client.get(reverse("match_assignment_progress"), {"programme": programme.pk})
    assert response.status_code == 200 and 'id="assignment-progress"' in response.content.decode()


def test_the_periodic_sweep_fails_a_silent_run(programme, settings):
    lost = running(programme, worker="gone.example:1", silent_for=datetime.timedelta(hours=1))
    tasks.sweep()
    lost.refresh_from_db()
    assert lost.status == AssignmentRun.Status.FAILED and lost.finished_at is not None
    assert "jobbro.matching.tasks.sweep" in settings.WORKER_PERIODIC_JOBS


# --- Who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "manager", "evaluator", "charlie"])
def test_users_who_may_not_run_the_matching_get_404_and_start_nothing(client, request, who, programme, settings):
    settings.TASKS = QUEUED_ONLY
    AssignmentRun.objects.create(programme=programme, on=timezone.localdate(), keep=20)
    client.force_login(request.getfixturevalue(who))
    assert page(client, programme).status_code == 404
    assert client.get(reverse("match_assignment_progress"), {"programme": programme.pk}).status_code == 404
    assert start_run(client, programme).status_code == 404
    assert AssignmentRun.objects.count() == 1


@pytest.mark.parametrize("who", ["coordinator", "administrator"])
def test_users_who_may_run_the_matching_see_the_page(client, request, who, programme):
    client.force_login(request.getfixturevalue(who))
    assert page(client, programme).status_code == 200


def test_a_run_for_a_programme_the_user_does_not_see_is_a_404(client, coordinator, other_programme, settings):
    settings.TASKS = QUEUED_ONLY
    AssignmentRun.objects.create(programme=other_programme, on=timezone.localdate(), keep=20)
    client.force_login(coordinator)
    assert page(client, other_programme).status_code == 404
    assert client.get(reverse("match_assignment_progress"), {"programme": other_programme.pk}).status_code == 404
    assert start_run(client, other_programme).status_code == 404
    assert AssignmentRun.objects.count() == 1


def test_starting_a_run_needs_post(client, coordinator, programme):
    client.force_login(coordinator)
    assert client.get(reverse("match_assignment_run"), {"programme": programme.pk}).status_code == 405
    assert not AssignmentRun.objects.exists()


def test_the_goal_text_is_a_case_note_never_stored_with_the_run(client, coordinator, programme, network, run_at_once):
    client.force_login(coordinator)
    start_run(client, programme)
    texts = {JobGoal.objects.get(citizen=network["cook"].citizen).text}
    run = AssignmentRun.objects.get()
    stored = [str(value) for value in AssignmentRun.objects.filter(pk=run.pk).values().get().values()]
    stored += [str(v) for row in AssignmentPair.objects.filter(run=run).values() for v in row.values()]
    assert not any(text in value for text in texts for value in stored)


@pytest.mark.parametrize(("setting", "kept"), [(0, 1), (5, 5), (10**6, tasks.MAX_KEEP)])
def test_a_run_records_the_k_it_uses_within_bounds(client, coordinator, programme, settings, setting, kept):
    settings.TASKS = QUEUED_ONLY
    settings.ASSIGNMENT_CANDIDATES = setting
    client.force_login(coordinator)
    start_run(client, programme)
    assert AssignmentRun.objects.get().keep == kept
