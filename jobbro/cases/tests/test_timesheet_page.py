"""The hours page: one row per running placement of my caseload, each row saved on its own."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jobbro.accounts.models import Programme
from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions, timesheets
from jobbro.cases.actions import monday_of
from jobbro.cases.models import PlacementKind, Timesheet
from jobbro.conftest import make_company

WEEK = datetime.timedelta(days=7)
# session, user, the placements (citizen, company and programme joined), their timesheets in the window.
HOURS_PAGE_QUERIES = 4


def today():
    return timezone.localdate()


def last_monday():
    return monday_of(today()) - WEEK


@pytest.fixture
def running(refer, start, alice):
    """`running(first_name, broker=alice, starts_on=..., **placement)`: a referred citizen with a placement, by
    default a hybrid internship (ordinary paid hours and internship hours both belong to it)."""

    def make(first_name, *, broker=None, starts_on=None, last_name="Timeløn", **placement):
        placement.setdefault("kind", PlacementKind.HYBRID_INTERNSHIP)
        starts_on = starts_on or last_monday() - 6 * WEEK
        enrolment = refer(
            first_name=first_name, last_name=last_name, job_broker=broker or alice, referred_on=starts_on - WEEK
        )
        return start(enrolment, starts_on=starts_on, **placement)

    return make


def hours_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("week_hours"), params)


def row_url(placement, monday=None):
    label = timesheets.week_label(monday or last_monday())
    return reverse(
        "week_hours_row",
        kwargs={"week": label, "citizen_pk": placement.enrolment.citizen_id, "placement_pk": placement.pk},
    )


def post_row(client, placement, ordinary, internship, *, monday=None, htmx=True):
    data = {f"p{placement.pk}-ordinary_hours": ordinary, f"p{placement.pk}-internship_hours": internship}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(row_url(placement, monday), data, **headers)


def rows_on(response):
    return [int(pk) for pk in re.findall(r'<tr id="row-(\d+)" data-placement', response.content.decode())]


def row_html(response, placement):
    html = response.content.decode()
    match = re.search(rf'<tr id="row-{placement.pk}".*?</tr>', html, re.S)
    assert match, f"no row for placement {placement.pk}"
    return match.group(0)


def input_value(html, placement, field):
    match = re.search(rf'name="p{placement.pk}-{field}"[^>]*?value="([^"]*)"', html, re.S)
    assert match, f"no {field} input for placement {placement.pk}"
    return match.group(1)


# --- Which rows -------------------------------------------------------------------------------


def test_the_week_shows_my_running_placements_and_no_one_elses(client, world, running, start):
    mine = running("Anna")
    bobs = running("Bent", broker=world.bob)
    ended_before = running("Carl")
    actions.end_placement(
        acting_user=world.alice,
        placement=ended_before,
        ended_on=last_monday() - datetime.timedelta(days=1),
        reason="completed",
    )
    ended_during = running("Dorte")
    actions.end_placement(
        acting_user=world.alice,
        placement=ended_during,
        ended_on=last_monday() + datetime.timedelta(days=2),
        reason="completed",
    )
    starts_sunday = running("Erik", starts_on=last_monday() + datetime.timedelta(days=6))
    starts_after = running("Frida", starts_on=last_monday() + WEEK)
    charlies = start(world.charlies_enrolment, starts_on=last_monday() - WEEK, company=make_company("Syd ApS"))

    response = hours_page(client, world.alice)
    assert response.status_code == 200
    assert f'data-week="{timesheets.week_label(last_monday())}"' in response.content.decode()
    shown = set(rows_on(response))
    assert shown == {mine.pk, ended_during.pk, starts_sunday.pk}
    assert not shown & {bobs.pk, ended_before.pk, starts_after.pk, charlies.pk}


def test_a_mentor_sees_the_placements_of_the_citizens_they_support(client, world, start):
    bobs = start(world.bobs_enrolment, starts_on=last_monday() - 3 * WEEK)
    mentors = start(world.mentors_enrolment, starts_on=last_monday() - 3 * WEEK)
    alices = start(world.alices_enrolment, starts_on=last_monday() - 3 * WEEK)
    shown = set(rows_on(hours_page(client, world.mentor)))
    assert shown == {bobs.pk, mentors.pk}
    assert alices.pk not in shown


def test_an_ended_enrolment_still_shows_in_the_weeks_it_ran(client, world, running):
    placement = running("Anna")
    exit_day = last_monday() + datetime.timedelta(days=3)
    actions.end_placement(acting_user=world.alice, placement=placement, ended_on=exit_day, reason="hired")
    actions.end_enrolment(
        acting_user=world.alice, enrolment=placement.enrolment, ended_on=exit_day, status="ordinary_job"
    )
    assert placement.pk in rows_on(hours_page(client, world.alice))
    before = timesheets.week_label(placement.starts_on - 2 * WEEK)
    assert placement.pk not in rows_on(hours_page(client, world.alice, week=before))


@pytest.mark.parametrize("who", ["manager", "evaluator", "coordinator"])
def test_roles_without_case_work_get_not_found(client, world, who):
    assert hours_page(client, getattr(world, who)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(reverse("week_hours"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- The week picker ------------------------------------------------------------------------


def test_a_week_is_chosen_with_the_week_parameter_and_links_lead_to_the_weeks_around_it(client, world, running):
    placement = running("Anna", starts_on=last_monday() - 20 * WEEK)
    earlier = last_monday() - 10 * WEEK
    html = hours_page(client, world.alice, week=timesheets.week_label(earlier)).content.decode()
    assert f'data-week="{timesheets.week_label(earlier)}"' in html
    assert f'id="previous-week" href="?week={timesheets.week_label(earlier - WEEK)}"' in html
    assert f'id="next-week" href="?week={timesheets.week_label(earlier + WEEK)}"' in html
    assert f'id="row-{placement.pk}"' in html


@pytest.mark.parametrize("bad", ["", "2026-W99", "nonsense", "2026-47", "2026-W"])
def test_a_malformed_week_shows_last_week(client, world, bad):
    html = hours_page(client, world.alice, week=bad).content.decode()
    assert f'data-week="{timesheets.week_label(last_monday())}"' in html


@pytest.mark.parametrize("weeks_ahead", [0, 5])
def test_no_week_that_has_not_ended_is_shown_or_offered(client, world, weeks_ahead):
    """Hours are registered for weeks that have ended: the current week (or a later one) shows last week."""
    current = monday_of(today())
    html = hours_page(client, world.alice, week=timesheets.week_label(current + weeks_ahead * WEEK)).content.decode()
    assert f'data-week="{timesheets.week_label(last_monday())}"' in html
    assert 'id="next-week"' not in html
    assert f'max="{timesheets.week_label(last_monday())}"' in html


def test_hours_for_the_current_week_are_refused_with_a_danish_message_naming_the_week(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    current = monday_of(today())
    response = post_row(client, placement, "5", "0", monday=current, htmx=True)
    assert response.status_code == 200
    row = row_html(response, placement)
    assert 'data-status="error"' in row
    week = current.isocalendar()[1]
    sunday = (current + 6 * datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    assert f"Timer kan kun registreres for en uge, der er slut: uge {week} slutter {sunday}." in row
    assert not Timesheet.objects.exists()
    with pytest.raises(ValidationError) as refused:
        actions.register_hours(
            acting_user=world.alice, placement=placement, week_start=current, ordinary_hours=5, internship_hours=0
        )
    assert "week_start" in refused.value.message_dict
    assert not Timesheet.objects.exists()


def test_internship_hours_on_a_placement_without_an_internship_part_are_refused_next_to_the_field(
    client, world, running
):
    small_job = running("Anna", kind=PlacementKind.SMALL_JOB)
    client.force_login(world.alice)
    page = hours_page(client, world.alice).content.decode()
    row = re.search(rf'<tr id="row-{small_job.pk}".*?</tr>', page, re.S).group(0)
    # The field is there (the keys stay the same in every row), described as having no internship part.
    assert f'name="p{small_job.pk}-internship_hours"' in row
    assert f'aria-describedby=" id_p{small_job.pk}-internship_hours-hint"' in row
    assert f'data-no-internship="{small_job.pk}"' in row
    assert "Ingen praktikdel: registrér timerne som ordinære løntimer." in row

    response = post_row(client, small_job, "4", "3")
    row = row_html(response, small_job)
    assert 'data-status="error"' in row
    error = re.search(rf'id="id_p{small_job.pk}-internship_hours-error">([^<]*)<', row).group(1)
    assert error.startswith("Praktiktimer: dette virksomhedsforløb (Småjob) har ingen praktikdel.")
    assert not Timesheet.objects.exists()
    # Ordinary hours alone are saved (an empty or 0 internship field is no internship hours).
    assert 'data-status="saved"' in row_html(post_row(client, small_job, "4", "0"), small_job)
    assert Timesheet.objects.get(placement=small_job).ordinary_hours == Decimal(4)


def test_agreed_internship_hours_give_any_placement_an_internship_part(client, world, running):
    wage_subsidy = running("Anna", kind=PlacementKind.WAGE_SUBSIDY, agreed_internship_hours=12)
    assert wage_subsidy.has_internship_part
    client.force_login(world.alice)
    assert 'data-status="saved"' in row_html(post_row(client, wage_subsidy, "10", "12"), wage_subsidy)
    sheet = Timesheet.objects.get(placement=wage_subsidy)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal(10), Decimal(12))


@given(st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2090, 12, 31)))
def test_a_week_label_names_the_iso_week_of_its_monday(day):
    label = timesheets.week_label(monday_of(day))
    assert timesheets.parse_week(label) == monday_of(day)
    year, week, _ = day.isocalendar()
    assert label == f"{year}-W{week:02d}"


# --- What a row shows -----------------------------------------------------------------------


def test_a_row_shows_last_weeks_hours_for_reference_and_this_weeks_for_correction(client, world, running):
    placement = running("Anna")
    actions.register_hours(
        acting_user=world.alice,
        placement=placement,
        week_start=last_monday() - WEEK,
        ordinary_hours="12,5",
        internship_hours=3,
    )
    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=last_monday(), ordinary_hours="7.5", internship_hours=0
    )
    row = row_html(hours_page(client, world.alice), placement)
    assert re.search(r'class="jb-num jb-previous">12,5 / 3<', row)
    assert input_value(row, placement, "ordinary_hours") == "7,5"
    assert input_value(row, placement, "internship_hours") == "0"
    assert 'data-status="registered"' in row


def test_earlier_weeks_without_a_timesheet_are_marked_missing_with_links_to_them(client, world, running):
    starts = last_monday() - 3 * WEEK + datetime.timedelta(days=4)  # a Friday, three weeks and a bit back
    placement = running("Anna", starts_on=starts)
    registered = last_monday() - 2 * WEEK
    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=registered, ordinary_hours=5, internship_hours=0
    )
    row = row_html(hours_page(client, world.alice), placement)
    expected = [timesheets.week_label(last_monday() - 3 * WEEK), timesheets.week_label(last_monday() - WEEK)]
    assert f'data-missing="{" ".join(expected)}"' in row
    for label in expected:
        assert f'href="{reverse("week_hours")}?week={label}"' in row
    assert "jb-row-missing" in row


def test_missing_weeks_look_back_at_most_eight_weeks_and_not_past_the_placements_end(client, world, running):
    old = running("Anna", starts_on=last_monday() - 30 * WEEK)
    row = row_html(hours_page(client, world.alice), old)
    missing = re.search(r'data-missing="([^"]*)"', row).group(1).split()
    assert missing == [timesheets.week_label(last_monday() - n * WEEK) for n in range(8, 0, -1)]

    ended = running("Bent", starts_on=last_monday() - 4 * WEEK)
    actions.end_placement(
        acting_user=world.alice, placement=ended, ended_on=last_monday() - 2 * WEEK, reason="completed"
    )
    week_after_end = last_monday() - WEEK
    html = hours_page(client, world.alice, week=timesheets.week_label(week_after_end)).content.decode()
    assert ended.pk not in rows_on(hours_page(client, world.alice))
    row = re.search(rf'<tr id="row-{ended.pk}".*?</tr>', html, re.S)
    assert row is None  # the placement ended before that week: no row at all


def test_a_fully_registered_placement_has_nothing_missing(client, world, running):
    placement = running("Anna", starts_on=last_monday() - 2 * WEEK)
    for n in (2, 1):
        actions.register_hours(
            acting_user=world.alice,
            placement=placement,
            week_start=last_monday() - n * WEEK,
            ordinary_hours=5,
            internship_hours=0,
        )
    row = row_html(hours_page(client, world.alice), placement)
    assert "data-missing" not in row and "jb-row-missing" not in row


def month_weeks(monday):
    """The Mondays of the calendar month that `monday` lies in."""
    first, last = timesheets.month_bounds(monday)
    day = monday_of(first) if first.isoweekday() == 1 else monday_of(first) + WEEK
    weeks = []
    while day <= last:
        weeks.append(day)
        day += WEEK
    return weeks


def test_the_month_sums_ordinary_hours_of_weeks_whose_monday_is_in_the_month_and_marks_30(client, world, running):
    # A fixed week keeps the month arithmetic visible: week 47 of 2025 (Monday 17 November).
    monday = datetime.date(2025, 11, 17)
    placement = running("Anna", starts_on=datetime.date(2025, 9, 1))
    weeks = month_weeks(monday)
    assert weeks == [datetime.date(2025, 11, d) for d in (3, 10, 17, 24)]
    # The week of Monday 27 October runs into November but counts for October; 1 December counts for December.
    for week, ordinary in ((datetime.date(2025, 10, 27), 20), (datetime.date(2025, 12, 1), 20)):
        actions.register_hours(
            acting_user=world.alice, placement=placement, week_start=week, ordinary_hours=ordinary, internship_hours=0
        )
    for week, ordinary in zip(weeks, ("7,5", "7", "7", "8"), strict=True):
        actions.register_hours(
            acting_user=world.alice, placement=placement, week_start=week, ordinary_hours=ordinary, internship_hours=10
        )
    row = row_html(hours_page(client, world.alice, week="2025-W47"), placement)
    assert 'data-month-ordinary="29.5"' in row
    assert 'data-small-job="met"' not in row

    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=weeks[-1], ordinary_hours="8,5", internship_hours=0
    )
    row = row_html(hours_page(client, world.alice, week="2025-W47"), placement)
    assert 'data-month-ordinary="30.0"' in row
    assert 'data-small-job="met"' in row


def test_the_small_job_threshold_is_the_programmes_setting(client, world, running):
    Programme.objects.filter(pk=world.alices_enrolment.programme_id).update(settings={"small_job_monthly_hours": 20})
    placement = running("Anna")
    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=last_monday(), ordinary_hours=20, internship_hours=0
    )
    month_total = sum(
        (
            t.ordinary_hours
            for t in Timesheet.objects.filter(placement=placement)
            if t.week_start in month_weeks(last_monday())
        ),
        Decimal(0),
    )
    assert month_total == 20
    row = row_html(hours_page(client, world.alice), placement)
    assert 'data-small-job="met"' in row


# --- Saving a row ---------------------------------------------------------------------------


def test_enter_on_a_row_saves_it_through_the_action_and_answers_with_the_row(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    response = post_row(client, placement, "7,5", "12")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="row-{placement.pk}"'), "an HTMX save answers with the row only"
    assert 'data-status="saved"' in html
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.week_start, sheet.ordinary_hours, sheet.internship_hours) == (
        last_monday(),
        Decimal("7.5"),
        Decimal("12"),
    )
    assert sheet.registered_by == world.alice
    assert ChangeLog.objects.filter(action="register_hours", object_id=str(sheet.pk), user=world.alice).exists()
    assert input_value(html, placement, "ordinary_hours") == "7,5"


def test_an_empty_internship_field_is_zero_hours(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    post_row(client, placement, "10", "")
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal("10"), Decimal("0"))


def test_saving_a_week_again_corrects_it_and_never_makes_a_second_sheet(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    post_row(client, placement, "10", "0")
    post_row(client, placement, "9,5", "1")
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal("9.5"), Decimal("1"))


def test_the_month_figure_follows_a_save(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    html = post_row(client, placement, "31", "0").content.decode()
    assert 'data-month-ordinary="31.0"' in html
    assert 'data-small-job="met"' in html


@pytest.mark.parametrize(
    ("ordinary", "internship", "field", "message"),
    [
        ("75", "0", "ordinary_hours", "Write between 0 and 60 hours a week."),
        ("10", "60,5", "internship_hours", "Write between 0 and 60 hours a week."),
        ("-1", "0", "ordinary_hours", "Write between 0 and 60 hours a week."),
        ("abc", "0", "ordinary_hours", "Write the hours with the digits 0-9, e.g. 7,5."),
        ("٤٠", "0", "ordinary_hours", "Write the hours with the digits 0-9, e.g. 7,5."),
        ("1_0", "0", "ordinary_hours", "Write the hours with the digits 0-9, e.g. 7,5."),
        ("60", "1", "internship_hours", "Ordinary and internship hours together can be at most 60 a week."),
        ("", "", "ordinary_hours", "Write the hours for the week (0 if none)."),
        ("7,55", "0", "ordinary_hours", None),  # one decimal at most: the model's own message
        ("NaN", "0", "ordinary_hours", None),
        ("Infinity", "0", "ordinary_hours", None),
    ],
)
def test_a_bad_value_is_refused_next_to_its_field_with_the_typed_value_kept(
    client, world, running, ordinary, internship, field, message
):
    placement = running("Anna")
    client.force_login(world.alice)
    client.cookies["django_language"] = "en"  # the messages are compared in English
    response = post_row(client, placement, ordinary, internship)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="error"' in html
    error = re.search(rf'id="id_p{placement.pk}-{field}-error">([^<]*)<', html)
    assert error, "the error stands next to the field"
    if message:
        assert error.group(1) == message
    assert f'aria-describedby="id_p{placement.pk}-{field}-error"' in html
    assert input_value(html, placement, "ordinary_hours") == ordinary
    assert input_value(html, placement, "internship_hours") == internship
    assert not Timesheet.objects.filter(placement=placement).exists()


def test_a_refused_correction_keeps_the_hours_registered_before(client, world, running):
    placement = running("Anna")
    actions.register_hours(
        acting_user=world.alice, placement=placement, week_start=last_monday(), ordinary_hours=10, internship_hours=2
    )
    client.force_login(world.alice)
    post_row(client, placement, "61", "2")
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal("10"), Decimal("2"))


@given(hours=st.decimals(min_value=-100, max_value=100, places=1))
def test_hours_from_0_to_60_pass_the_form_and_others_do_not(hours):
    text = str(hours).replace(".", ",")
    form = timesheets.HoursForm({"p1-ordinary_hours": text, "p1-internship_hours": "0"}, prefix="p1")
    assert form.is_valid() == (0 <= hours <= 60)


def test_without_javascript_a_saved_row_returns_to_the_week(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    response = post_row(client, placement, "8", "4", htmx=False)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{reverse('week_hours')}?week={timesheets.week_label(last_monday())}#row-{placement.pk}"
    )
    assert Timesheet.objects.filter(placement=placement, ordinary_hours=8, internship_hours=4).exists()


def test_without_javascript_a_refused_row_shows_the_whole_week_with_the_error(client, world, running):
    placement = running("Anna")
    other = running("Bent")
    client.force_login(world.alice)
    response = post_row(client, placement, "99", "0", htmx=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and set(rows_on(response)) == {placement.pk, other.pk}
    assert f'id="id_p{placement.pk}-ordinary_hours-error"' in row_html(response, placement)
    assert input_value(row_html(response, placement), placement, "ordinary_hours") == "99"
    assert "autofocus" in row_html(response, placement)
    assert not Timesheet.objects.exists()


def test_a_week_in_the_past_can_be_registered_from_its_page(client, world, running):
    placement = running("Anna")
    earlier = last_monday() - 3 * WEEK
    client.force_login(world.alice)
    assert post_row(client, placement, "5", "0", monday=earlier).status_code == 200
    assert Timesheet.objects.filter(placement=placement, week_start=earlier).exists()


# --- Denials ---------------------------------------------------------------------------------


def test_another_brokers_placement_is_not_found_and_nothing_is_saved(client, world, running):
    bobs = running("Bent", broker=world.bob)
    client.force_login(world.alice)
    response = post_row(client, bobs, "10", "0")
    assert response.status_code == 404
    assert not Timesheet.objects.exists()
    assert AccessLog.objects.filter(user=world.alice, citizen_ref=bobs.enrolment.citizen_id, status_code=404).exists()


def test_a_placement_in_another_programme_is_not_found(client, world, start):
    charlies = start(world.charlies_enrolment, starts_on=last_monday() - WEEK, company=make_company("Syd ApS"))
    client.force_login(world.alice)
    assert post_row(client, charlies, "10", "0").status_code == 404
    # Even its own broker cannot reach it through a citizen it does not belong to.
    mine = start(world.alices_enrolment, starts_on=last_monday() - WEEK)
    client.force_login(world.charlie)
    assert post_row(client, charlies, "10", "0").status_code == 200
    wrong_citizen = reverse(
        "week_hours_row",
        kwargs={
            "week": timesheets.week_label(last_monday()),
            "citizen_pk": mine.enrolment.citizen_id,
            "placement_pk": charlies.pk,
        },
    )
    assert client.post(wrong_citizen, {f"p{charlies.pk}-ordinary_hours": "1"}).status_code == 404
    assert Timesheet.objects.filter(placement=charlies).count() == 1
    assert not Timesheet.objects.filter(placement=mine).exists()


def test_a_placement_of_my_citizen_under_another_citizens_address_is_not_found(client, world, running):
    anna = running("Anna")
    bent = running("Bent")
    client.force_login(world.alice)
    url = reverse(
        "week_hours_row",
        kwargs={
            "week": timesheets.week_label(last_monday()),
            "citizen_pk": bent.enrolment.citizen_id,
            "placement_pk": anna.pk,
        },
    )
    assert client.post(url, {f"p{anna.pk}-ordinary_hours": "1"}).status_code == 404
    assert not Timesheet.objects.exists()


def test_a_week_outside_the_placement_or_after_this_week_is_not_found(client, world, running):
    placement = running("Anna", starts_on=last_monday())
    client.force_login(world.alice)
    assert post_row(client, placement, "1", "0", monday=last_monday() - WEEK).status_code == 404
    assert post_row(client, placement, "1", "0", monday=monday_of(today()) + WEEK).status_code == 404
    bad = reverse(
        "week_hours_row",
        kwargs={"week": "2025-W60", "citizen_pk": placement.enrolment.citizen_id, "placement_pk": placement.pk},
    )
    assert client.post(bad, {}).status_code == 404
    assert not Timesheet.objects.exists()


def test_a_manager_cannot_save_hours(client, world, running):
    placement = running("Anna")
    client.force_login(world.manager)
    assert post_row(client, placement, "1", "0").status_code == 404
    assert not Timesheet.objects.exists()


def test_the_row_address_takes_only_posts(client, world, running):
    placement = running("Anna")
    client.force_login(world.alice)
    assert client.get(row_url(placement)).status_code == 405


def test_a_caseworker_sees_only_their_own_caseload_which_is_usually_empty(client, world, running):
    running("Anna")
    response = hours_page(client, world.caseworker)
    assert response.status_code == 200 and rows_on(response) == []


# --- Queries ---------------------------------------------------------------------------------


def add_placements(running, n, offset):
    for i in range(n):
        placement = running(f"Borger{offset + i}", starts_on=last_monday() - (3 + i % 5) * WEEK)
        if i % 2:
            actions.register_hours(
                acting_user=placement.enrolment.job_broker,
                placement=placement,
                week_start=last_monday() - WEEK,
                ordinary_hours=i,
                internship_hours=1,
            )


def test_the_page_makes_the_same_few_queries_for_3_and_20_rows(client, world, running, django_assert_max_num_queries):
    client.force_login(world.alice)
    client.get(reverse("week_hours"))  # warm up the session
    add_placements(running, 3, 0)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("week_hours"))
    assert len(rows_on(response)) == 3
    add_placements(running, 17, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("week_hours"))
    assert len(rows_on(response)) == 20
    assert len(many) == len(few)
    with django_assert_max_num_queries(HOURS_PAGE_QUERIES):
        client.get(reverse("week_hours"))


@pytest.mark.parametrize(
    ("ordinary", "internship", "saved"),
    [
        ("60", "1", False),
        ("30", "30", True),
        ("60", "0", True),
        ("0", "60", True),
        ("30,5", "29,5", True),
        ("30,5", "30", False),
    ],
)
def test_the_page_keeps_a_week_to_60_ordinary_and_internship_hours_together(
    client, world, running, ordinary, internship, saved
):
    placement = running("Anna")
    client.force_login(world.alice)
    html = post_row(client, placement, ordinary, internship).content.decode()
    assert Timesheet.objects.filter(placement=placement).exists() is saved
    assert ('data-status="error"' in html) is not saved
