"""The demo programme: deterministic for a seed, shaped like DOMAIN.md, and internally consistent.

The generator bulk-inserts rows without the actions, so these tests are what stands between it and
records the reports would choke on: they check the invariants the actions would otherwise keep.
"""

import datetime
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from stdnum.dk import cvr as stdnum_cvr

from jobbro import codes
from jobbro.accounts.models import Membership, Programme, ResultGoal, Role, User
from jobbro.cases import actions
from jobbro.cases.models import (
    AgreedHoursChange,
    Contact,
    Enrolment,
    JobPlan,
    Milestone,
    Outcome,
    Placement,
    PlacementEndReason,
    PlacementKind,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
)
from jobbro.companies.models import Company, CompanyContact, Opening, Requirement, Weekday
from jobbro.demo.generator import DEMO_PASSWORD, PROGRAMME_NAME, generate
from jobbro.people import cpr
from jobbro.people.models import Citizen, CVEntry, JobGoal, TrafficLightChange

TODAY = datetime.date(2026, 3, 2)  # fixed, so the programme does not drift with the calendar
PAID_KINDS = {
    PlacementKind.HYBRID_INTERNSHIP,
    PlacementKind.SMALL_JOB,
    PlacementKind.ORDINARY_JOB,
    PlacementKind.FLEX_JOB,
}


@pytest.fixture
def demo(db):
    return generate(citizens=120, seed=2026, today=TODAY)


def snapshot():
    """What a person would recognise as 'the same demo': names, companies, courses and hours."""
    return {
        "citizens": sorted(Citizen.objects.values_list("first_name", "last_name", "birth_date", "sex", "postcode")),
        "companies": sorted(Company.objects.values_list("cvr", "name", "kind", "industry_code")),
        "users": sorted(User.objects.values_list("username", "first_name", "last_name", "role")),
        "placements": sorted(
            Placement.objects.values_list(
                "enrolment__citizen__first_name",
                "enrolment__citizen__last_name",
                "kind",
                "company__cvr",
                "starts_on",
                "ended_on",
            )
        ),
        "hours": sorted(
            Timesheet.objects.values_list("placement__company__cvr", "week_start", "ordinary_hours", "internship_hours")
        ),
        "contacts": sorted(Contact.objects.values_list("enrolment__citizen__last_name", "kind", "occurred_on", "note")),
    }


# -- determinism and size --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_programme():
    with transaction.atomic():
        first = generate(citizens=60, seed=7, today=TODAY)
        first_rows = snapshot()
        transaction.set_rollback(True)
    assert not Citizen.objects.exists()
    second = generate(citizens=60, seed=7, today=TODAY)
    assert second.counts == first.counts
    assert snapshot() == first_rows


@pytest.mark.django_db
def test_another_seed_gives_another_programme():
    with transaction.atomic():
        generate(citizens=40, seed=1, today=TODAY)
        names = snapshot()["citizens"]
        transaction.set_rollback(True)
    generate(citizens=40, seed=2, today=TODAY)
    assert snapshot()["citizens"] != names


def test_the_small_programme_has_120_citizens_and_a_network_of_at_least_29(demo):
    assert demo.citizens == Citizen.objects.count() == 120
    assert demo.enrolments == Enrolment.objects.count() == 120
    assert demo.companies == Company.objects.count() >= 29
    assert demo.placements == Placement.objects.count()
    assert demo.timesheets == Timesheet.objects.count()
    assert demo.contacts == Contact.objects.count()
    assert demo.elapsed >= 0
    assert Programme.objects.get(pk=demo.programme_id).name == PROGRAMME_NAME


def test_a_second_run_is_refused_rather_than_duplicating_the_programme(demo):
    with pytest.raises(ValueError, match="already exists"):
        generate(citizens=10, seed=2026, today=TODAY)


# -- the programme's shape -------------------------------------------------------------------


def test_every_role_has_a_login_with_the_demo_password(demo):
    roles = {role for _username, role in demo.logins}
    assert roles == set(Role.values)
    for username, role in demo.logins:
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(role=Role.ADMINISTRATOR)
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(role=Role.ADMINISTRATOR).filter(is_superuser=True).exists()
    assert User.objects.filter(role=Role.JOB_BROKER).count() >= 3


def test_most_staff_cover_the_whole_programme_but_some_a_single_site(demo):
    memberships = Membership.objects.select_related("user")
    whole = [m for m in memberships if m.site_id is None]
    assert len(whole) > len(memberships) / 2
    single = {m.user.role for m in memberships if m.site_id is not None}
    assert {Role.JOB_BROKER, Role.CASEWORKER} <= single
    assert all(m.site is None or m.site.programme_id == m.programme_id for m in memberships)


def test_result_goals_for_the_three_metrics_with_an_interim_date(demo):
    goals = ResultGoal.objects.filter(
        programme_id=demo.programme_id, site=None, target_group=None, kind=ResultGoal.Kind.COUNT
    )
    final = {g.metric: g for g in goals if g.deadline == max(x.deadline for x in goals)}
    assert {m: g.target for m, g in final.items()} == {"referred": 120, "matched_and_started": 70, "employed": 48}
    assert final["employed"].social_economic_target == 24
    assert goals.count() == 6  # an interim goal per metric, at an earlier date
    assert len({g.deadline for g in goals}) == 2


def test_a_site_goal_a_target_group_goal_and_the_payment_criterion(demo):
    others = ResultGoal.objects.filter(programme_id=demo.programme_id).exclude(
        site=None, target_group=None, kind=ResultGoal.Kind.COUNT
    )
    assert others.filter(site__isnull=False, target_group=None, metric="employed").count() == 1
    assert others.filter(site=None, target_group__code="unge-under-30").count() == 1
    (payment,) = others.filter(payment_criterion=True)
    assert (payment.kind, payment.metric, payment.target) == (ResultGoal.Kind.SHARE_OF_ACTIVE, "employed", 40)
    for goal in others:
        goal.full_clean()


def test_the_network_has_every_kind_of_company_with_valid_codes(demo):
    companies = list(Company.objects.all())
    kinds = Counter(c.kind for c in companies)
    assert set(kinds) == set(Company.Kind.values)
    assert kinds[Company.Kind.PRIVATE] > len(companies) / 2
    assert kinds[Company.Kind.SOCIAL_ECONOMIC] >= 3
    for company in companies:
        assert stdnum_cvr.is_valid(company.cvr), company.cvr
        assert company.industry_code in codes.BUILT_IN_INDUSTRIES
        company.full_clean()
    assert CompanyContact.objects.filter(is_buddy=True, buddy_trained_on__isnull=False).exists()
    assert Company.objects.filter(agreements__isnull=False).distinct().count() > len(companies) * 0.7


def test_openings_are_small_jobs_with_valid_days_requirements_and_dates(demo):
    openings = list(Opening.objects.all())
    assert {o.status for o in openings} == set(Opening.Status.values)
    for opening in openings:
        opening.full_clean()
        assert 3 <= opening.weekly_hours <= 25
        assert set(opening.days) <= set(Weekday.values) and opening.days
        assert set(opening.requirements) <= set(Requirement.values)
        assert opening.occupation_code in codes.BUILT_IN_OCCUPATIONS
        assert opening.posted_on <= TODAY
        assert (opening.filled_on is not None) == (opening.status == Opening.Status.FILLED)
        assert opening.filled_on is None or opening.posted_on <= opening.filled_on <= TODAY


def test_internship_factories_take_interns_and_never_pay_ordinary_hours(demo):
    interns = Counter(Placement.objects.filter(kind=PlacementKind.INTERNSHIP).values_list("company_id", flat=True))
    paying = set(Timesheet.objects.filter(ordinary_hours__gt=0).values_list("placement__company_id", flat=True))
    factories = [company for company, count in interns.items() if count >= 3 and company not in paying]
    assert factories, "no company takes several interns without ever paying ordinary hours"


# -- citizens --------------------------------------------------------------------------------


def test_cpr_numbers_are_valid_distinct_and_agree_with_birth_date_and_sex(demo):
    seen = set()
    for citizen in Citizen.objects.all():
        digits = cpr.validate(cpr.decrypt(citizen.cpr_encrypted))
        assert digits not in seen
        seen.add(digits)
        assert cpr.lookup_hash(digits) == citizen.cpr_hash
        assert cpr.birth_date(digits) == citizen.birth_date
        assert cpr.sex(digits) == citizen.sex
    assert len(seen) == 120


def test_citizens_are_adults_of_working_age_in_a_target_group(demo):
    for enrolment in Enrolment.objects.select_related("citizen"):
        digits = cpr.decrypt(enrolment.citizen.cpr_encrypted)
        assert 18 <= cpr.age_on(digits, enrolment.referred_on) <= 64
        assert enrolment.citizen.target_groups.exists()
        assert timezone.localtime(enrolment.citizen.created_at).date() == enrolment.referred_on
        enrolment.citizen.full_clean(exclude=["cpr_encrypted", "cpr_hash"])


def test_estimated_hours_follow_the_domain_bands(demo):
    hours = [float(h) for h in Enrolment.objects.values_list("estimated_weekly_hours", flat=True)]
    shares = [sum(lo < h <= hi for h in hours) / len(hours) for lo, hi in ((-1, 10), (10, 20), (20, 60))]
    for share, expected in zip(shares, (0.35, 0.54, 0.11), strict=True):
        assert abs(share - expected) < 0.12, shares


def test_proportions_resemble_the_programme_in_domain_md(demo):
    placed = Enrolment.objects.filter(placements__starts_on__lte=TODAY).distinct().count()
    employed = Enrolment.objects.filter(placements__timesheets__ordinary_hours__gt=0).distinct().count()
    social = (
        Enrolment.objects.filter(
            placements__timesheets__ordinary_hours__gt=0, placements__company__kind=Company.Kind.SOCIAL_ECONOMIC
        )
        .distinct()
        .count()
    )
    assert 50 <= placed <= 90  # about 70 of 120 matched and started
    assert 32 <= employed <= 64 and employed < placed  # about 48 with ordinary hours
    assert employed * 0.25 <= social <= employed * 0.75  # about half of them in social-economic companies
    assert demo.placed == placed and demo.employed == employed
    assert CVEntry.objects.values("citizen").distinct().count() <= 120  # a share can never pass 100 %
    assert JobGoal.objects.filter(kind=JobGoal.Kind.GOAL).exists()


# -- the case record is consistent -----------------------------------------------------------


def test_current_step_is_the_last_step_change_and_steps_move_forward_in_time(demo):
    for enrolment in Enrolment.objects.prefetch_related("step_changes"):
        changes = sorted(enrolment.step_changes.all(), key=lambda c: (c.changed_on, c.id))
        assert changes[0].step == Step.CLARIFICATION and changes[0].changed_on == enrolment.referred_on
        assert changes[-1].step == enrolment.current_step
        assert all(c.changed_on <= TODAY for c in changes)
        assert (enrolment.current_step == Step.ENDED) == (enrolment.ended_on is not None)
        if enrolment.ended_on:
            assert changes[-1].changed_on == enrolment.ended_on


def test_every_kind_state_and_end_reason_of_placement_is_present(demo):
    placements = list(Placement.objects.all())
    assert {p.kind for p in placements} == set(PlacementKind.values)
    assert {p.end_reason for p in placements if p.ended_on} == set(PlacementEndReason.values)
    assert any(p.ended_on is None and p.starts_on <= TODAY for p in placements), "no running placement"
    assert any(p.starts_on > TODAY for p in placements), "no planned placement"
    assert any(p.ended_on for p in placements), "no ended placement"


def test_placements_have_an_agreement_and_fit_their_enrolment(demo):
    by_enrolment = defaultdict(list)
    for placement in Placement.objects.select_related("enrolment"):
        placement.full_clean()  # ordinary hours agreed, a condition, or the reason for neither
        enrolment = placement.enrolment
        assert placement.starts_on >= enrolment.referred_on
        if placement.starts_on <= TODAY and placement.ended_on is None:
            assert enrolment.current_step == Step.IN_COMPANY, "a running placement outside step 3"
        if enrolment.ended_on:
            assert placement.ended_on and placement.ended_on <= enrolment.ended_on
        assert placement.ended_on is None or placement.ended_on <= TODAY
        assert bool(placement.end_reason) == bool(placement.ended_on)
        by_enrolment[enrolment.pk].append(placement)
    for placements in by_enrolment.values():
        placements.sort(key=lambda p: p.starts_on)
        for before, after in zip(placements, placements[1:], strict=False):
            assert before.ended_on is not None and before.ended_on < after.starts_on, "overlapping placements"


def test_timesheets_lie_inside_their_placement_and_pay_only_where_hours_are_paid(demo):
    sheets = Timesheet.objects.select_related("placement")
    assert sheets.exists()
    for sheet in sheets:
        placement = sheet.placement
        assert sheet.week_start.isoweekday() == 1
        assert placement.starts_on <= sheet.week_start <= (placement.ended_on or TODAY)
        assert sheet.week_start <= TODAY
        assert 0 <= sheet.ordinary_hours <= 60 and 0 <= sheet.internship_hours <= 60
        if sheet.ordinary_hours:
            assert placement.kind in PAID_KINDS
        registered = timezone.localtime(sheet.registered_at).date()
        assert sheet.week_start < registered <= TODAY
    assert not Timesheet.objects.filter(placement__kind=PlacementKind.INTERNSHIP, ordinary_hours__gt=0).exists()
    growing = AgreedHoursChange.objects.values("placement").annotate(
        low=Min("ordinary_hours"), high=Max("ordinary_hours")
    )
    assert any(row["high"] > row["low"] for row in growing), "no placement grows its ordinary hours"


def test_no_fact_is_dated_after_today_or_before_the_referral(demo):
    for model, field in (
        (Contact, "occurred_on"),
        (Outcome, "measured_on"),
        (StepChange, "changed_on"),
        (ProgressionAssessment, "assessed_on"),
        (TrafficLightChange, "changed_on"),
        (CVEntry, "recorded_on"),
        (JobPlan, "created_on"),
    ):
        assert not model.objects.filter(**{f"{field}__gt": TODAY}).exists(), model.__name__
    assert not Enrolment.objects.filter(referred_on__gt=TODAY).exists()
    for outcome in Outcome.objects.select_related("enrolment"):
        assert outcome.measured_on >= outcome.enrolment.referred_on
        assert outcome.enrolment.ended_on is not None
    for contact in Contact.objects.select_related("enrolment"):
        assert contact.occurred_on >= contact.enrolment.referred_on
    assert not Milestone.objects.filter(completed_on__gt=TODAY).exists()


def test_contacts_of_every_kind_name_the_staff_present(demo):
    contacts = Contact.objects.prefetch_related("staff")
    assert {c.kind for c in contacts} == set(Contact.Kind.values)
    for contact in contacts:
        assert contact.note
        assert contact.registered_by_id in {u.pk for u in contact.staff.all()}
    assert Contact.objects.filter(company_contacts__isnull=False).exists()


def test_some_milestones_are_overdue_and_enrolments_have_exit_outcomes(demo):
    assert any(m.is_overdue(TODAY) for m in Milestone.objects.all())
    ended = Enrolment.objects.filter(ended_on__isnull=False)
    assert ended.exists()
    for enrolment in ended:
        assert enrolment.outcomes.filter(kind=Outcome.Kind.EXIT, measured_on=enrolment.ended_on).count() == 1
    assert Outcome.objects.filter(kind=Outcome.Kind.FOLLOW_UP).exists()


def test_the_database_takes_ordinary_writes_after_the_load(demo):
    """Ids were assigned by the generator: the sequences must have moved past them (PostgreSQL)."""
    placement = Placement.objects.filter(
        ended_on__isnull=True, starts_on__lte=TODAY - datetime.timedelta(days=14)
    ).first()
    broker = placement.enrolment.job_broker
    before = Timesheet.objects.count()
    actions.register_hours(
        acting_user=broker, placement=placement, week_start=TODAY, ordinary_hours=5, internship_hours=0
    )
    actions.log_contact(acting_user=broker, enrolment=placement.enrolment, kind=Contact.Kind.PHONE, occurred_on=TODAY)
    assert Timesheet.objects.count() == before + 1
    assert Company.objects.create(
        cvr="10000009", name="Ny virksomhed", industry_code="561010", kind=Company.Kind.PRIVATE
    )


# -- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_prints_counts_and_logins_and_respects_if_empty():
    out = StringIO()
    call_command("load_demo", "--citizens", "30", "--today", "2026-03-02", stdout=out)
    text = out.getvalue()
    assert "jobformidler" in text and DEMO_PASSWORD in text and "admin" in text
    assert Citizen.objects.count() == 30
    again = StringIO()
    call_command("load_demo", "--if-empty", stdout=again)
    assert Citizen.objects.count() == 30
    assert "jobformidler" in again.getvalue() and DEMO_PASSWORD in again.getvalue()  # bin/demo shows the logins anyway


def test_the_demo_fills_the_companies_track_records(demo):
    """Bulk rows pass the receivers by: the generator refreshes the track records itself, and they agree."""
    from jobbro.reporting import company_facts
    from jobbro.reporting.models import CompanyTrackRecord

    assert CompanyTrackRecord.objects.filter(internships_started__gt=0).exists()
    assert company_facts.stale() == []


@pytest.mark.parametrize("today", [TODAY, datetime.date(2026, 12, 5)])
def test_small_jobs_are_open_on_the_first_day_so_matching_has_something_to_show(db, today):
    from jobbro.demo.generator import OPEN_SMALL_JOBS
    from jobbro.matching import services

    generate(citizens=120, seed=2026, today=today)
    programme = Programme.objects.get()
    open_jobs = Opening.objects.open().filter(programme=programme)
    assert open_jobs.count() >= OPEN_SMALL_JOBS
    assert all(job.posted_on <= today for job in open_jobs)
    waiting = services.waiting_enrolments(programme, on=today)
    assert any(services.rank_openings(enrolment, on=today) for enrolment in waiting[:20])
    assert services.propose_assignment(programme, on=today)
