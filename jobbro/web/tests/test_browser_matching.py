"""Matching in a real browser: a job broker reads a citizen's ranked small jobs; a coordinator takes a pair
from the assignment proposal through a coffee visit to an agreement that starts the small job."""

import pytest
from django.utils import timezone

from jobbro.cases import actions as case_actions
from jobbro.cases.models import Contact, Placement, Step
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.matching.models import MatchProposal, MatchStatus

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


def test_a_coordinator_accepts_a_pair_books_a_coffee_visit_and_agrees(
    logged_in_page, live_server, coordinator, caseworker, alices_enrolment, opening, programme, axe_check, screenshot
):
    case_actions.change_step(acting_user=caseworker, enrolment=alices_enrolment, step=Step.TOWARDS_JOB, on=REFERRED_ON)
    page = logged_in_page("kim", PASSWORD)
    page.goto(f"{live_server.url}/matching/assignment/?programme={programme.pk}")
    pair = page.locator(f'#assignment tr[data-enrolment="{alices_enrolment.pk}"][data-opening="{opening.pk}"]')
    with page.expect_navigation():
        pair.locator("button[type=submit]").click()
    proposal = MatchProposal.objects.get(enrolment=alices_enrolment, opening=opening)
    assert proposal.status == MatchStatus.PROPOSED and proposal.proposed_by == coordinator
    assert pair.count() == 0, "an accepted pair leaves the assignment: it is a proposal now"

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
