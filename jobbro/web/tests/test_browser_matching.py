"""Matching in a real browser: a job broker reads a citizen's ranked small jobs and turns the pages of the "why
not" list; a coordinator computes the assignment proposal, watches its progress, and takes a pair from it through
a coffee visit to an agreement that starts the small job."""

import pytest
from django.utils import timezone

from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Placement, Step
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.matching import tasks
from jobbro.matching.models import AssignmentRun, MatchProposal, MatchStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def opening(company, programme, buddy):
    return make_opening(
        company, programme, "Opvasker i caféen", weekly_hours=8, buddy=buddy, tasks="Opvask og klargøring"
    )


def test_a_job_broker_reads_a_citizens_ranked_small_jobs_with_explanations(
    logged_in_page, live_server, alices_enrolment, opening, axe_check, screenshot
):
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{alices_enrolment.citizen_id}/")
    page.locator(f"#find-small-jobs-{alices_enrolment.pk}").click()
    page.wait_for_load_state()

    row = page.locator(f'#matches tr[data-opening="{opening.pk}"]')
    assert "Opvasker i caféen" in row.inner_text()
    assert row.locator(".jb-reasons li").count() >= 1, "the match is explained"
    assert row.locator(".jb-score").get_attribute("data-score").isdigit()
    screenshot(page, "matching-citizen-ranking")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


def test_a_job_broker_opens_the_why_not_list_and_turns_its_pages(
    logged_in_page, live_server, alices_enrolment, opening, company, programme, axe_check
):
    full_time = [make_opening(company, programme, f"Fuld tid {n:02d}", weekly_hours=37) for n in range(30)]
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{alices_enrolment.citizen_id}/enrolments/{alices_enrolment.pk}/matches/")
    listed = page.locator("#why-not-page li[data-opening]")
    assert page.locator("#why-not-list").get_attribute("open") is None, "collapsed at first"
    assert not listed.first.is_visible()
    page.locator("#why-not-list summary").click()
    assert listed.count() == 25 and listed.first.is_visible()
    assert listed.first.locator(".jb-reasons li").count() == 1, "each entry says why"
    url = page.url
    page.locator("#why-not-page a[rel=next]").click()
    page.locator(f'#why-not-page li[data-opening="{full_time[-1].pk}"]').wait_for()
    assert listed.count() == 5 and page.url == url, "the next page came in place, without leaving the page"
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)


def test_a_coordinator_accepts_a_pair_books_a_coffee_visit_and_agrees(
    logged_in_page,
    live_server,
    coordinator,
    caseworker,
    alices_enrolment,
    opening,
    programme,
    axe_check,
    screenshot,
    settings,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, run below
    case_actions.change_step(acting_user=caseworker, enrolment=alices_enrolment, step=Step.TOWARDS_JOB, on=REFERRED_ON)
    page = logged_in_page("kim", PASSWORD)
    page.goto(f"{live_server.url}/matching/assignment/?programme={programme.pk}")
    with page.expect_navigation():
        page.locator("#start-assignment").click()
    assert page.locator("#assignment-progress").count() == 1, "the page shows the run's progress"
    run = AssignmentRun.objects.get()
    tasks.execute(run.pk)  # what the worker does; the polling page then reloads with the pairs
    pair = page.locator(f'#assignment tr[data-enrolment="{alices_enrolment.pk}"][data-opening="{opening.pk}"]')
    pair.wait_for(timeout=10_000)
    with page.expect_navigation():
        pair.locator("button[type=submit]").click()
    proposal = MatchProposal.objects.get(enrolment=alices_enrolment, opening=opening)
    assert proposal.status == MatchStatus.PROPOSED and proposal.proposed_by == coordinator
    assert pair.locator(f'[data-proposal="{proposal.pk}"]').count() == 1, "an accepted pair shows its proposal"
    assert pair.locator("button[type=submit]").count() == 0

    page.goto(f"{live_server.url}/matching/proposals/")
    card = page.locator(f"#proposal-{proposal.pk}")
    card.locator(f"#step-meeting-{proposal.pk}").click()
    page.select_option(f"#id_p{proposal.pk}-meeting-kind", "coffee_visit")
    with page.expect_navigation():
        card.locator("form[action$='/meeting/'] button[type=submit]").click()
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.MEETING_BOOKED
    assert Contact.objects.filter(enrolment=alices_enrolment, kind=Contact.Kind.COFFEE_VISIT).exists()
    assert page.locator(f'#proposal-{proposal.pk}[data-status="meeting_booked"]').count() == 1
    card.locator(f"#step-agree-{proposal.pk}").click()
    screenshot(page, "matching-proposals")
    card.locator(f"#step-agree-{proposal.pk}").click()
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    card.locator(f"#step-agree-{proposal.pk}").click()
    page.fill(f"#id_p{proposal.pk}-agree-starts_on", timezone.localdate().isoformat())
    with page.expect_navigation():
        card.locator("form[action$='/agree/'] button[type=submit]").click()

    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.AGREED
    placement = Placement.objects.get(enrolment=alices_enrolment)
    assert proposal.placement == placement and placement.opening == opening
    alices_enrolment.refresh_from_db()
    assert alices_enrolment.current_step == Step.IN_COMPANY
    assert page.locator(f'#decided tr[data-proposal="{proposal.pk}"][data-status="agreed"]').count() == 1


def test_a_coordinator_unticks_and_ticks_every_speed_dating_candidate_at_once(
    logged_in_page, live_server, coordinator, caseworker, alices_enrolment, bobs_enrolment, opening, programme
):
    for enrolment in (alices_enrolment, bobs_enrolment):
        case_actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=REFERRED_ON)
    page = logged_in_page("kim", PASSWORD)
    page.goto(f"{live_server.url}/matching/speed-dating/?programme={programme.pk}&who=all")
    for name in ("companies", "enrolments"):
        boxes = page.locator(f"#fieldset-{name} input[type=checkbox]")
        assert boxes.count() >= 1
        assert all(boxes.nth(k).is_checked() for k in range(boxes.count())), "offered ticked at first"
        page.locator(f'#fieldset-{name} [data-jb-check="none"]').click()
        assert not any(boxes.nth(k).is_checked() for k in range(boxes.count()))
        page.locator(f'#fieldset-{name} [data-jb-check="all"]').click()
        assert all(boxes.nth(k).is_checked() for k in range(boxes.count()))
    page.locator('#fieldset-companies [data-jb-check="none"]').click()
    assert page.locator("#fieldset-enrolments input[type=checkbox]:checked").count() == 2, "the other list untouched"
