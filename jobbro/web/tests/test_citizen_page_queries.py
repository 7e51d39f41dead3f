"""The citizen page, the page staff open most, costs the same few queries however long the citizen's record is."""

import datetime
from decimal import Decimal

from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobbro.cases import actions
from jobbro.cases.models import Contact, PlacementKind
from jobbro.conftest import REFERRED_ON
from jobbro.netgain import actions as net_gain_actions
from jobbro.netgain import calculator as net_gain_calculator
from jobbro.people import actions as people_actions
from jobbro.people.models import CVEntry

# Counted on the page as it is: the session and user, the citizen, the enrolments, each part of the timeline and of
# the page's panels once, the message log and the consent to be contacted, the funder's participant forms, the kept
# net-gain calculations, the consents' history (one query for the states and the history), and the read-log row. The
# same for a citizen with one record of each kind as with many.
CITIZEN_PAGE_MAX_QUERIES = 39
SCORES = {
    "work_ability": 4,
    "keep_job_ability": 5,
    "physical_health": 6,
    "mental_health": 3,
    "sleep": 7,
    "family_relations": 8,
    "belief_in_job_chances": 9,
}
DAY = datetime.timedelta(days=1)
NET_GAIN_ON = datetime.date(2026, 3, 2)


def add_history(world, enrolment, start, rounds):
    """Rounds `rounds` (a range, later ones later in time) of everything the page shows: a placement with weeks of
    hours ended back to step 2, contacts, a traffic light, a job goal, a CV line, a job plan with a milestone and a
    self-assessment."""
    broker, citizen = world.alice, enrolment.citizen
    for n in rounds:
        day = REFERRED_ON + (40 * n + 1) * DAY
        placement = start(enrolment, acting_user=broker, starts_on=day, kind=PlacementKind.HYBRID_INTERNSHIP)
        for week in range(3):
            actions.register_hours(
                acting_user=broker,
                placement=placement,
                week_start=actions.monday_of(day) + 7 * week * DAY,
                ordinary_hours=5 + week,
                internship_hours=1,
            )
        actions.end_placement(acting_user=broker, placement=placement, ended_on=day + 30 * DAY, reason="not_a_match")
        for k in range(2):
            actions.log_contact(
                acting_user=broker,
                enrolment=enrolment,
                kind=Contact.Kind.CONVERSATION,
                occurred_on=day + k * DAY,
                note=f"samtale {n}.{k}",
                staff=[broker],
            )
        actions.set_traffic_light(acting_user=broker, citizen=citizen, light=["green", "yellow"][n % 2], on=day)
        people_actions.set_job_goal(
            acting_user=broker, citizen=citizen, text=f"mål {n}", set_on=day, occupation_code="9412"
        )
        people_actions.add_cv_entry(
            acting_user=broker, citizen=citizen, kind=CVEntry.Kind.WORK, title=f"Job {n}", starts_on=day - 400 * DAY
        )
        plan = actions.create_job_plan(acting_user=broker, enrolment=enrolment, title=f"plan {n}", created_on=day)
        actions.add_milestone(acting_user=broker, plan=plan, kind="course", due_on=day + 20 * DAY, title=f"delmål {n}")
        actions.record_self_assessment(acting_user=broker, enrolment=enrolment, assessed_on=day, scores=SCORES)
        benefit, rate, _amount = net_gain_calculator.rates_in_force(NET_GAIN_ON)[0]
        net_gain_actions.calculate_net_gain(
            acting_user=broker,
            enrolment=enrolment,
            household=net_gain_calculator.Household(
                benefit=benefit, rate=rate, monthly_benefit=Decimal(11000), age=40, couple=False, children=0
            ),
            hourly_wage=Decimal(130 + n),
            hours=[5, 10, 15],
            on=NET_GAIN_ON,
        )


def page_queries(client, url):
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_citizen_page_makes_the_same_queries_for_a_short_and_a_long_record(
    client, world, start, django_assert_max_num_queries
):
    enrolment = world.alices_enrolment
    url = reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})
    client.force_login(world.alice)
    client.get(url)  # the session's first touch is not the page's cost
    add_history(world, enrolment, start, range(2))
    few, html = page_queries(client, url)
    assert "samtale 1.1" in html and html.count("<svg") == 1, "the record and its chart are on the page"

    add_history(world, enrolment, start, range(2, 10))
    many, html = page_queries(client, url)
    assert "mål 9" in html and html.count('data-netgain="') == 10, "the latest ten calculations are listed"
    assert many == few
    with django_assert_max_num_queries(CITIZEN_PAGE_MAX_QUERIES):
        client.get(url)
