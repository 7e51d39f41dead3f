"""The meetings report: held, cancelled, no-shows and still planned add up to the booked meetings, per site and kind."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.conftest import rolled_back
from jobbro.meetings import actions
from jobbro.meetings.models import Meeting
from jobbro.reporting import meetings_report
from jobbro.reporting.base import Scope, Share

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(coordinator, alices_enrolment, randers_enrolment, company, programme, site, other_site):
    return {
        "coordinator": coordinator,
        "enrolments": [alices_enrolment, randers_enrolment],
        "company": company,
        "programme": programme,
        "sites": (site, other_site),
    }


def book(cast, *, where, kind, days_ago, outcome):
    """where: 0 or 1 (the Aarhus or the Randers citizen) or None (the company only)."""
    starts = timezone.now() - datetime.timedelta(days=days_ago, hours=1)
    arguments = {
        "acting_user": cast["coordinator"],
        "kind": kind,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(minutes=45),
        "address": "Jobcentret",
        "company": cast["company"],
    }
    if where is None:
        arguments["programme"] = cast["programme"]
    else:
        arguments["enrolment"] = cast["enrolments"][where]
    meeting = actions.schedule_meeting(**arguments)
    state, who = outcome
    user = cast["coordinator"]
    if state == "held":
        actions.record_outcome(acting_user=user, meeting=meeting, held=True)
    elif state == "no_show":
        actions.record_outcome(acting_user=user, meeting=meeting, held=False, no_show_by=who)
    elif state == "cancelled":
        actions.cancel_meeting(acting_user=user, meeting=meeting, cancelled_by=who, reason="illness")
    return meeting


def report(cast, sites=None, on=None):
    scope = Scope(cast["programme"], tuple(sites or cast["sites"]), on or timezone.localdate())
    return meetings_report.build(scope)


def test_each_outcome_is_counted_at_its_site_and_kind(cast, in_english):
    book(cast, where=0, kind="match_meeting", days_ago=3, outcome=("held", ""))
    book(cast, where=0, kind="match_meeting", days_ago=2, outcome=("no_show", "citizen"))
    book(cast, where=1, kind="coffee_visit", days_ago=1, outcome=("cancelled", "company"))
    book(cast, where=None, kind="follow_up", days_ago=1, outcome=("planned", ""))
    built = report(cast)
    assert built.problems() == []
    sites, kinds = built.tables
    assert sites.columns == [s.name for s in cast["sites"]] + ["Company only (no site)", "Total"]
    assert sites.row("booked").cells == [2, 1, 1, 4]
    assert sites.row("held").cells[0] == Share(1, 2)
    assert sites.row("no_show").cells[0] == Share(1, 2)
    assert sites.row("no_show_citizen").cells[3] == Share(1, 4)
    assert sites.row("cancelled_company").cells[1] == Share(1, 1)
    assert sites.row("planned").cells[2] == Share(1, 1)
    assert kinds.row("match_meeting").cells == [2, Share(1, 2), Share(0, 2), Share(1, 2), Share(0, 2)]
    assert kinds.row("all").cells[0] == 4


def test_one_site_in_scope_leaves_out_the_other_site_and_the_company_meetings(cast, in_english):
    book(cast, where=0, kind="follow_up", days_ago=3, outcome=("held", ""))
    book(cast, where=1, kind="follow_up", days_ago=3, outcome=("held", ""))
    book(cast, where=None, kind="follow_up", days_ago=3, outcome=("held", ""))
    sites, kinds = report(cast, sites=cast["sites"][:1]).tables
    assert sites.columns == [cast["sites"][0].name, "Total"]
    assert sites.row("booked").cells == [1, 1]


def test_meetings_booked_after_the_as_of_date_and_outside_the_period_are_not_counted(cast):
    book(cast, where=0, kind="follow_up", days_ago=400, outcome=("held", ""))  # more than 12 months ago
    book(cast, where=0, kind="follow_up", days_ago=1, outcome=("held", ""))
    assert report(cast).tables[0].row("booked").cells[-1] == 1
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert report(cast, on=yesterday).tables[0].row("booked").cells[-1] == 0  # booked today: not known yesterday


def test_the_report_is_registered_with_its_exports():
    from jobbro.reporting.registry import BY_SLUG

    assert BY_SLUG["meetings"].module is meetings_report


outcomes = st.sampled_from(
    [
        ("planned", ""),
        ("held", ""),
        ("no_show", "citizen"),
        ("no_show", "company"),
        ("no_show", "both"),
        ("cancelled", "citizen"),
        ("cancelled", "company"),
        ("cancelled", "job_centre"),
    ]
)
meeting_spec = st.tuples(
    st.sampled_from([0, 1, None]),
    st.sampled_from(["match_meeting", "coffee_visit", "three_month_talk", "follow_up"]),
    st.integers(0, 380),
    outcomes,
)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(specs=st.lists(meeting_spec, max_size=8), one_site=st.booleans())
def test_held_cancelled_no_show_and_planned_add_up_to_booked_and_no_share_exceeds_100(cast, specs, one_site):
    with rolled_back():
        for where, kind, days_ago, outcome in specs:
            book(cast, where=where, kind=kind, days_ago=days_ago, outcome=outcome)
        sites = cast["sites"][:1] if one_site else cast["sites"]
        built = report(cast, sites=sites)
        assert built.problems() == []
        by_site, by_kind = built.tables
        for column in range(len(by_site.columns)):
            booked = by_site.row("booked").cells[column]
            parts = [by_site.row(state).cells[column] for state in ("held", "cancelled", "no_show", "planned")]
            assert sum(part.part for part in parts) == booked
            assert all(part.is_possible for row in by_site.rows for part in row.cells if isinstance(part, Share))
        # The total is the plain count of the rows that should be counted.
        cutoff = timezone.localdate() - datetime.timedelta(days=meetings_report.PERIOD_DAYS - 1)
        expected = [
            m
            for m in Meeting.objects.all()
            if timezone.localdate(m.starts_at) >= cutoff and (not one_site or m.site_id == sites[0].pk)
        ]
        assert by_site.row("booked").cells[-1] == len(expected) == by_kind.row("all").cells[0]


def test_the_report_page_spreadsheet_and_pdf_answer_for_a_coordinator(client, cast, in_english):
    from django.urls import reverse

    book(cast, where=0, kind="coffee_visit", days_ago=2, outcome=("no_show", "company"))
    client.force_login(cast["coordinator"])
    query = {"programme": cast["programme"].pk, "on": timezone.localdate().isoformat()}
    page = client.get(reverse("report", args=["meetings"]), query)
    assert page.status_code == 200 and 'id="report-problems"' not in page.content.decode()
    pdf = client.get(reverse("report_pdf", args=["meetings"]), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("report_xlsx", args=["meetings"]), query)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
