"""Result goals counted from the records as of a date: referred, matched and started, employed.

"Referred" is the evaluators' goal: the start form filled (its date), not the referral date.
Internships never count as employment; only weeks with ordinary paid hours do.
"""

import datetime
import itertools

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.accounts.models import Membership, Programme, ResultGoal, Site
from jobbro.cases import actions
from jobbro.cases.models import Enrolment, OutcomeStatus, Placement, PlacementKind, Timesheet
from jobbro.companies.models import Company
from jobbro.conftest import rolled_back
from jobbro.reporting import result_goals
from jobbro.reporting.result_goals import employed, matched_and_started, referred

D = datetime.date


def figures(programme, on):
    return {
        "referred": referred(programme, on),
        "matched": matched_and_started(programme, on),
        "matched_social": matched_and_started(programme, on, social_economic_only=True),
        "employed": employed(programme, on),
        "employed_social": employed(programme, on, social_economic_only=True),
    }


@pytest.fixture
def hand_built(
    programme, refer, caseworker, company, social_company, other_programme, other_programme_site, outside_caseworker
):
    """Four citizens in Job i Nordvest and one elsewhere, each illustrating one rule.

    intern      referred 10 Jan; internship at a private company from 3 Feb; only internship hours
    social_job  referred 20 Jan; small job at a social-economic company from 5 Mar; 5 ordinary hours week 10
    late_start  referred 1 Feb; wage subsidy from 7 Apr; 12 ordinary hours in week 15
    late_ref    referred 1 May; nothing else
    waiting     referred 15 Jan without a start form; the start form filled on 3 Mar: "referred" from then on
    outsider    in the other programme, employed early: never counted here
    """

    def start(enrolment, company, kind, on, **agreement):
        return actions.start_placement(
            acting_user=outside_caseworker if enrolment.programme_id == other_programme.pk else caseworker,
            enrolment=enrolment,
            company=company,
            kind=kind,
            starts_on=on,
            **(agreement or {"agreed_ordinary_hours": 10}),
        )

    def hours(placement, week, ordinary, internship):
        actions.register_hours(
            acting_user=outside_caseworker if placement.enrolment.programme_id == other_programme.pk else caseworker,
            placement=placement,
            week_start=week,
            ordinary_hours=ordinary,
            internship_hours=internship,
        )

    intern = refer(referred_on=D(2025, 1, 10))
    internship = start(
        intern, company, PlacementKind.INTERNSHIP, D(2025, 2, 3), no_hours_reason="Praktik", agreed_ordinary_hours=None
    )
    hours(internship, D(2025, 2, 3), 0, 20)
    hours(internship, D(2025, 2, 10), 0, 25)
    actions.end_placement(acting_user=caseworker, placement=internship, ended_on=D(2025, 3, 31), reason="completed")
    actions.end_enrolment(
        acting_user=caseworker, enrolment=intern, ended_on=D(2025, 3, 31), status=OutcomeStatus.BENEFIT
    )

    social_job = refer(referred_on=D(2025, 1, 20))
    small_job = start(social_job, social_company, PlacementKind.SMALL_JOB, D(2025, 3, 5))
    hours(small_job, D(2025, 3, 7), 5, 0)  # a Friday: registered on Monday 3 March

    late_start = refer(referred_on=D(2025, 2, 1))
    subsidy = start(late_start, company, PlacementKind.WAGE_SUBSIDY, D(2025, 4, 7))
    hours(subsidy, D(2025, 4, 7), 12, 0)

    refer(referred_on=D(2025, 5, 1))

    waiting = refer(referred_on=D(2025, 1, 15), started_on=None, first_name="Venter")
    actions.fill_start_form(acting_user=caseworker, enrolment=waiting, on=D(2025, 3, 3))

    outsider = refer(
        programme=other_programme, site=other_programme_site, acting_user=outside_caseworker, referred_on=D(2025, 1, 2)
    )
    elsewhere = start(outsider, social_company, PlacementKind.ORDINARY_JOB, D(2025, 1, 6))
    hours(elsewhere, D(2025, 1, 6), 37, 0)
    return programme


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2025, 1, 9), dict(referred=0, matched=0, matched_social=0, employed=0, employed_social=0)),
        (D(2025, 1, 10), dict(referred=1, matched=0, matched_social=0, employed=0, employed_social=0)),
        # The internship has started and has hours, but internship hours are not employment. The citizen referred
        # on 15 Jan has no start form yet: not counted as referred.
        (D(2025, 2, 28), dict(referred=3, matched=1, matched_social=0, employed=0, employed_social=0)),
        # Hours are registered from the Monday of their week, 3 March, but the small job starts on the 5th:
        # nobody counts as employed before they count as matched and started. The start form filled on 3 March
        # counts from that day.
        (D(2025, 3, 3), dict(referred=4, matched=1, matched_social=0, employed=0, employed_social=0)),
        (D(2025, 3, 5), dict(referred=4, matched=2, matched_social=1, employed=1, employed_social=1)),
        # The wage subsidy starting 7 April does not count the day before.
        (D(2025, 4, 6), dict(referred=4, matched=2, matched_social=1, employed=1, employed_social=1)),
        # The intern's enrolment has ended but still counts: goals are cumulative.
        (D(2025, 6, 30), dict(referred=5, matched=3, matched_social=1, employed=2, employed_social=1)),
    ],
)
def test_the_figures_as_of_a_date(hand_built, on, expected):
    assert figures(hand_built, on) == expected


def test_an_internship_never_counts_as_employment_however_many_hours(hand_built):
    intern = Enrolment.objects.filter(programme=hand_built).order_by("referred_on").first()
    assert Timesheet.objects.filter(placement__enrolment=intern, internship_hours__gt=0).count() == 2
    assert not Enrolment.objects.filter(pk=intern.pk, placements__timesheets__ordinary_hours__gt=0).exists()
    assert employed(hand_built, D(2030, 1, 1)) == 2


def test_progress_counts_each_goal_as_of_its_deadline_or_today_whichever_is_first(hand_built):
    ResultGoal.objects.create(programme=hand_built, metric="referred", target=4, deadline=D(2025, 2, 28))
    ResultGoal.objects.create(
        programme=hand_built, metric="employed", target=4, deadline=D(2025, 12, 31), social_economic_target=2
    )
    ResultGoal.objects.create(programme=hand_built, metric="matched_and_started", target=2, deadline=D(2025, 3, 31))

    rows = result_goals.progress(hand_built, D(2025, 6, 30))

    assert [(r.goal.metric, r.actual, r.social_economic_actual) for r in rows] == [
        ("referred", 3, None),  # as of its deadline, 28 Feb
        ("matched_and_started", 2, None),  # no social-economic target set: no part counted
        ("employed", 2, 1),  # as of 30 June, before its deadline
    ]
    assert [r.percent_of_target for r in rows] == [75, 100, 50]


def test_beating_a_target_shows_above_100_percent_but_the_bar_stops_at_full(hand_built):
    ResultGoal.objects.create(programme=hand_built, metric="referred", target=2, deadline=D(2025, 12, 31))
    [row] = result_goals.progress(hand_built, D(2025, 12, 31))
    assert (row.actual, row.percent_of_target, row.bar_percent) == (5, 250, 100)


def test_a_citizen_referred_without_a_start_form_is_not_referred_until_the_start_form_is_filled(
    programme, refer, caseworker
):
    ResultGoal.objects.create(programme=programme, metric="referred", target=2, deadline=D(2025, 12, 31))
    refer(referred_on=D(2025, 1, 10))  # start form on the referral date
    waiting = refer(referred_on=D(2025, 1, 20), started_on=None)

    def counted(on):
        [row] = result_goals.progress(programme, on)  # the page's and the report's path (one grouped query)
        assert row.actual == referred(programme, on)  # the single figure agrees
        return row.actual

    assert counted(D(2025, 6, 30)) == 1, "the referral alone does not count"
    [row] = result_goals.progress(programme, D(2025, 6, 30))
    assert row.forecast == 1, "nor does it count towards the forecast's pace"

    actions.fill_start_form(acting_user=caseworker, enrolment=waiting, on=D(2025, 3, 3))

    assert counted(D(2025, 3, 2)) == 1, "counted from the start form's date, not the referral's"
    assert counted(D(2025, 3, 3)) == 2
    assert counted(D(2025, 6, 30)) == 2


# --- Property: each figure is the plain count over the raw rows --------------------------------

placement_spec = st.fixed_dictionaries(
    {
        "starts_after": st.integers(0, 60),
        "social": st.booleans(),
        "kind": st.sampled_from([PlacementKind.INTERNSHIP, PlacementKind.SMALL_JOB, PlacementKind.WAGE_SUBSIDY]),
        "weeks": st.lists(
            st.tuples(st.integers(0, 90), st.sampled_from(["0", "0", "2.5", "12"]), st.sampled_from(["0", "15"])),
            max_size=3,
        ),
    }
)
enrolment_spec = st.fixed_dictionaries(
    {
        "referred_after": st.integers(0, 60),
        # Days from the referral to the start form; None: referred without one, not filled by the end.
        "start_form_after": st.one_of(st.none(), st.integers(0, 40)),
        "placements": st.lists(placement_spec, max_size=2),
        "ended": st.booleans(),
    }
)
_names = itertools.count(1)


def plain_counts(programme, on):
    """The rules written out over the rows, no aggregates."""
    enrolments = list(Enrolment.objects.filter(programme=programme).values("pk", "referred_on", "started_on"))
    placements = {
        p["pk"]: p
        for p in Placement.objects.filter(enrolment__programme=programme).values(
            "pk", "enrolment_id", "starts_on", "company__kind"
        )
    }
    sheets = list(
        Timesheet.objects.filter(placement__in=list(placements)).values("placement_id", "week_start", "ordinary_hours")
    )
    social = Company.Kind.SOCIAL_ECONOMIC

    def matched(only_social):
        return len(
            {
                p["enrolment_id"]
                for p in placements.values()
                if p["starts_on"] <= on and (not only_social or p["company__kind"] == social)
            }
        )

    def in_work(only_social):
        return len(
            {
                placements[s["placement_id"]]["enrolment_id"]
                for s in sheets
                if s["ordinary_hours"] > 0
                and s["week_start"] <= on
                and placements[s["placement_id"]]["starts_on"] <= on
                and (not only_social or placements[s["placement_id"]]["company__kind"] == social)
            }
        )

    return {
        "referred": sum(1 for e in enrolments if e["started_on"] is not None and e["started_on"] <= on),
        "matched": matched(False),
        "matched_social": matched(True),
        "employed": in_work(False),
        "employed_social": in_work(True),
    }


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    specs=st.lists(enrolment_spec, min_size=1, max_size=4), as_of=st.lists(st.integers(-5, 160), min_size=1, max_size=4)
)
def test_each_figure_equals_the_plain_count_over_the_rows(refer, caseworker, company, social_company, specs, as_of):
    base = D(2025, 1, 6)
    with rolled_back():
        programme = Programme.objects.create(name=f"Tilfældigt program {next(_names)}", starts_on=base)
        site = Site.objects.create(programme=programme, name="Et sted")
        Membership.objects.create(user=caseworker, programme=programme)
        for spec in specs:
            referred_on = base + datetime.timedelta(days=spec["referred_after"])
            enrolment = refer(programme=programme, site=site, referred_on=referred_on, started_on=None)
            last = referred_on
            if spec["start_form_after"] is not None:
                last = referred_on + datetime.timedelta(days=spec["start_form_after"])
                actions.fill_start_form(acting_user=caseworker, enrolment=enrolment, on=last)
            for p in sorted(spec["placements"], key=lambda p: p["starts_after"]):
                starts_on = referred_on + datetime.timedelta(days=p["starts_after"])
                last = max(last, starts_on)
                placement = actions.start_placement(
                    acting_user=caseworker,
                    enrolment=enrolment,
                    company=social_company if p["social"] else company,
                    kind=p["kind"],
                    starts_on=starts_on,
                    agreed_ordinary_hours=10,
                    # Internship hours need an internship part: agreed on a placement of another kind.
                    agreed_internship_hours=15 if p["kind"] != PlacementKind.INTERNSHIP else None,
                )
                for after, ordinary, internship in p["weeks"]:
                    actions.register_hours(
                        acting_user=caseworker,
                        placement=placement,
                        week_start=starts_on + datetime.timedelta(days=after),
                        ordinary_hours=ordinary,
                        internship_hours=internship,
                    )
            if spec["ended"]:
                # The end form is refused while a placement runs: end them on the same day first.
                for running in enrolment.placements.filter(ended_on__isnull=True):
                    actions.end_placement(
                        acting_user=caseworker,
                        placement=running,
                        ended_on=last + datetime.timedelta(days=1),
                        reason="completed",
                    )
                actions.end_enrolment(
                    acting_user=caseworker,
                    enrolment=enrolment,
                    ended_on=last + datetime.timedelta(days=1),
                    status="benefit",
                )

        previous = None
        for on in sorted(base + datetime.timedelta(days=n) for n in as_of):
            counted = figures(programme, on)
            assert counted == plain_counts(programme, on), on
            assert counted["matched_social"] <= counted["matched"]
            assert counted["employed_social"] <= counted["employed"]
            referrals = Enrolment.objects.filter(programme=programme, referred_on__lte=on).count()
            assert counted["referred"] <= referrals, "a start form is never dated before its referral"
            if previous is not None:
                assert all(counted[k] >= previous[k] for k in counted), (
                    "cumulative figures never fall as the date moves on"
                )
            previous = counted
