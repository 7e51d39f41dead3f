"""Step 1 actions: history is kept, dates and codes are checked, only case work writes, every write is logged."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.audit.models import ChangeLog
from jobbro.conftest import rolled_back
from jobbro.people import actions
from jobbro.people.models import CompetenceAssessment, CVEntry, JobGoal, ParallelEffort, Restriction

DAY = datetime.timedelta(days=1)
# The fixtures (users, citizen) are shared by all examples; each example runs in a rolled-back savepoint.
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def today():
    return timezone.localdate()


def logged(action, obj):
    return ChangeLog.objects.filter(action=action, object_type=obj._meta.model_name, object_id=str(obj.pk))


def error_fields(excinfo):
    return set(excinfo.value.message_dict)


@pytest.fixture
def citizen(alices_citizen):
    return alices_citizen


# --- Job goals --------------------------------------------------------------------------------


def test_setting_a_job_goal_saves_it_with_the_occupation_and_logs_it_without_the_text(alice, citizen):
    goal = actions.set_job_goal(
        acting_user=alice, citizen=citizen, occupation_code="9412", text="Vil gerne arbejde i et køkken", set_on=today()
    )
    goal.refresh_from_db()
    assert (goal.kind, goal.occupation_code, goal.replaced_on) == (JobGoal.Kind.GOAL, "9412", None)
    entry = logged("set_job_goal", goal).get()
    assert entry.user == alice and entry.citizen_ref == citizen.pk
    assert entry.changes["occupation_code"] == "9412"
    assert "køkken" not in str(entry.changes)


def test_adding_a_job_wish_is_a_wish(alice, citizen):
    wish = actions.add_job_wish(acting_user=alice, citizen=citizen, text="Noget med dyr", set_on=today())
    assert wish.kind == JobGoal.Kind.WISH
    assert logged("add_job_wish", wish).exists()


def test_adjusting_a_goal_closes_it_and_adds_a_new_one_so_the_history_is_kept(alice, citizen):
    first = actions.set_job_goal(
        acting_user=alice, citizen=citizen, occupation_code="9412", text="Køkken", set_on=today() - 30 * DAY
    )
    second = actions.adjust_job_goal(
        acting_user=alice, goal=first, occupation_code="9112", text="Rengøring", set_on=today() - 10 * DAY
    )
    first.refresh_from_db()
    assert first.replaced_on == today() - 10 * DAY
    assert (first.occupation_code, first.text) == ("9412", "Køkken"), "the old goal is kept as it was"
    assert second.replaced_on is None and second.kind == JobGoal.Kind.GOAL
    assert list(citizen.job_goals.filter(replaced_on__isnull=True)) == [second]
    assert citizen.job_goals.count() == 2
    assert logged("adjust_job_goal", second).get().changes["replaces"] == first.pk


def test_a_wish_can_become_a_goal_and_the_wish_is_kept(alice, citizen):
    wish = actions.add_job_wish(acting_user=alice, citizen=citizen, text="Butik", set_on=today() - 5 * DAY)
    goal = actions.adjust_job_goal(
        acting_user=alice,
        goal=wish,
        kind=JobGoal.Kind.GOAL,
        occupation_code="5223",
        text="Butiksassistent",
        set_on=today(),
    )
    wish.refresh_from_db()
    assert wish.replaced_on == today() and goal.kind == JobGoal.Kind.GOAL


def test_a_replaced_goal_cannot_be_adjusted_again(alice, citizen):
    first = actions.set_job_goal(acting_user=alice, citizen=citizen, text="Køkken", set_on=today() - 3 * DAY)
    actions.adjust_job_goal(acting_user=alice, goal=first, text="Lager", set_on=today())
    with pytest.raises(ValidationError):
        actions.adjust_job_goal(acting_user=alice, goal=first, text="Igen", set_on=today())
    assert citizen.job_goals.count() == 2


def test_an_adjustment_cannot_predate_the_goal_it_replaces_and_nothing_changes(alice, citizen):
    first = actions.set_job_goal(acting_user=alice, citizen=citizen, text="Køkken", set_on=today() - 3 * DAY)
    with pytest.raises(ValidationError) as excinfo:
        actions.adjust_job_goal(acting_user=alice, goal=first, text="Lager", set_on=today() - 10 * DAY)
    assert error_fields(excinfo) == {"set_on"}
    first.refresh_from_db()
    assert first.replaced_on is None and citizen.job_goals.count() == 1


def test_closing_a_goal_keeps_the_row(alice, citizen):
    goal = actions.set_job_goal(acting_user=alice, citizen=citizen, text="Køkken", set_on=today() - 3 * DAY)
    actions.close_job_goal(acting_user=alice, goal=goal, on=today())
    goal.refresh_from_db()
    assert goal.replaced_on == today()
    assert logged("close_job_goal", goal).exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"occupation_code": "1234", "text": "Noget", "set_on": datetime.date(2025, 3, 10)}, "occupation_code"),
        ({"occupation_code": "", "text": "   ", "set_on": datetime.date(2025, 3, 10)}, "text"),
        ({"occupation_code": "", "text": "Noget", "set_on": None}, "set_on"),
        ({"occupation_code": "", "text": "x" * 301, "set_on": datetime.date(2025, 3, 10)}, "text"),
    ],
)
def test_a_job_goal_is_refused_for_an_unknown_code_empty_text_or_no_date(alice, citizen, arguments, field):
    with pytest.raises(ValidationError) as excinfo:
        actions.set_job_goal(acting_user=alice, citizen=citizen, **arguments)
    assert field in error_fields(excinfo)
    assert not citizen.job_goals.exists()
    assert not ChangeLog.objects.filter(action="set_job_goal").exists()


def test_a_job_goal_cannot_be_set_in_the_future(alice, citizen):
    with pytest.raises(ValidationError) as excinfo:
        actions.set_job_goal(acting_user=alice, citizen=citizen, text="Køkken", set_on=today() + DAY)
    assert error_fields(excinfo) == {"set_on"}


# --- Who may write --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "coordinator", "evaluator", "charlie"])
def test_only_case_work_on_a_visible_citizen_may_write_step_1(world, who):
    user = getattr(world, who)
    citizen = world.alices_citizen
    with pytest.raises(PermissionDenied):
        actions.set_job_goal(acting_user=user, citizen=citizen, text="Køkken", set_on=today())
    with pytest.raises(PermissionDenied):
        actions.add_restriction(acting_user=user, citizen=citizen, tag=Restriction.Tag.NO_PORK, recorded_on=today())
    with pytest.raises(PermissionDenied):
        actions.add_cv_entry(acting_user=user, citizen=citizen, kind=CVEntry.Kind.SKILL, title="Truckkort")
    assert not citizen.job_goals.exists() and not citizen.restrictions.exists() and not citizen.cv_entries.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_case_workers_who_see_the_citizen_may_write(world, who):
    goal = actions.set_job_goal(
        acting_user=getattr(world, who), citizen=world.alices_citizen, text="Køkken", set_on=today()
    )
    assert goal.pk


def test_a_mentor_writes_only_for_the_citizens_they_support(world):
    actions.add_job_wish(acting_user=world.mentor, citizen=world.bobs_citizen, text="Lager", set_on=today())
    with pytest.raises(PermissionDenied):
        actions.add_job_wish(acting_user=world.mentor, citizen=world.alices_citizen, text="Lager", set_on=today())


# --- CV ---------------------------------------------------------------------------------------


def test_cv_lines_are_added_updated_and_removed_and_each_is_logged(alice, citizen):
    entry = actions.add_cv_entry(
        acting_user=alice,
        citizen=citizen,
        kind=CVEntry.Kind.WORK,
        title="Opvasker",
        organisation="Café Havnen",
        starts_on=datetime.date(2019, 5, 1),
        ends_on=datetime.date(2021, 8, 31),
        description="Opvask og klargøring",
    )
    assert entry.recorded_on == today()
    assert logged("add_cv_entry", entry).get().changes["kind"] == "work"

    actions.update_cv_entry(
        acting_user=alice,
        entry=entry,
        kind=CVEntry.Kind.WORK,
        title="Køkkenmedhjælper",
        organisation="Café Havnen",
        starts_on=datetime.date(2019, 5, 1),
        ends_on=datetime.date(2021, 8, 31),
        description="Opvask og klargøring",
    )
    entry.refresh_from_db()
    assert entry.title == "Køkkenmedhjælper"
    update = logged("update_cv_entry", entry).get()
    assert update.changes["fields"] == ["title"]
    assert "Køkkenmedhjælper" not in str(update.changes)

    pk = entry.pk
    actions.remove_cv_entry(acting_user=alice, entry=entry)
    assert not CVEntry.objects.filter(pk=pk).exists()
    assert ChangeLog.objects.filter(action="remove_cv_entry", object_id=str(pk), citizen_ref=citizen.pk).exists()


def test_a_cv_line_without_dates_is_fine_for_a_language(alice, citizen):
    entry = actions.add_cv_entry(
        acting_user=alice, citizen=citizen, kind=CVEntry.Kind.LANGUAGE, title="Arabisk", description="Modersmål"
    )
    assert entry.starts_on is None and entry.ends_on is None


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({"starts_on": datetime.date(2022, 1, 1), "ends_on": datetime.date(2021, 1, 1)}, {"ends_on"}),
        ({"starts_on": "future"}, {"starts_on"}),
        ({"kind": "hobby"}, {"kind"}),
        ({"title": ""}, {"title"}),
    ],
)
def test_a_cv_line_is_refused_for_impossible_dates_an_unknown_kind_or_no_title(alice, citizen, arguments, fields):
    values = {"kind": CVEntry.Kind.WORK, "title": "Lagerarbejder", **arguments}
    if values.get("starts_on") == "future":
        values["starts_on"] = today() + DAY
    with pytest.raises(ValidationError) as excinfo:
        actions.add_cv_entry(acting_user=alice, citizen=citizen, **values)
    assert error_fields(excinfo) == fields
    assert not citizen.cv_entries.exists()


def test_a_refused_update_leaves_the_line_as_it_was(alice, citizen):
    entry = actions.add_cv_entry(
        acting_user=alice, citizen=citizen, kind=CVEntry.Kind.WORK, title="Lager", starts_on=datetime.date(2020, 1, 1)
    )
    with pytest.raises(ValidationError):
        actions.update_cv_entry(
            acting_user=alice,
            entry=entry,
            kind=CVEntry.Kind.WORK,
            title="Ændret",
            starts_on=datetime.date(2020, 1, 1),
            ends_on=datetime.date(2019, 1, 1),
        )
    entry.refresh_from_db()
    assert entry.title == "Lager" and entry.ends_on is None
    assert not ChangeLog.objects.filter(action="update_cv_entry").exists()


@EXAMPLES
@given(
    starts=st.one_of(st.none(), st.dates(min_value=datetime.date(1970, 1, 1), max_value=datetime.date(2030, 12, 31))),
    ends=st.one_of(st.none(), st.dates(min_value=datetime.date(1970, 1, 1), max_value=datetime.date(2030, 12, 31))),
)
def test_a_cv_line_is_saved_exactly_when_its_dates_make_sense(alice, citizen, starts, ends):
    on = today()
    sensible = (
        (starts is None or starts <= on) and (ends is None or ends <= on) and not (starts and ends and ends < starts)
    )
    with rolled_back():
        try:
            actions.add_cv_entry(
                acting_user=alice,
                citizen=citizen,
                kind=CVEntry.Kind.COURSE,
                title="Hygiejnekursus",
                starts_on=starts,
                ends_on=ends,
            )
            saved = True
        except ValidationError:
            saved = False
        assert saved is sensible
        assert citizen.cv_entries.count() == int(sensible)


# --- Competence card --------------------------------------------------------------------------


def test_each_assessment_is_a_new_row_so_changes_over_time_are_kept(alice, citizen, company):
    first = actions.assess_competence(
        acting_user=alice,
        citizen=citizen,
        area=CompetenceAssessment.Area.DANISH,
        level=2,
        assessed_on=today() - 60 * DAY,
        comment="Forstår hverdagsdansk",
    )
    second = actions.assess_competence(
        acting_user=alice,
        citizen=citizen,
        area=CompetenceAssessment.Area.DANISH,
        level=3,
        assessed_on=today(),
        co_assessor=company,
    )
    assert citizen.competences.filter(area="danish").count() == 2
    first.refresh_from_db()
    assert first.level == 2
    assert second.co_assessor == company
    changes = logged("assess_competence", second).get().changes
    assert changes == {"area": "danish", "level": 3, "assessed_on": today().isoformat(), "co_assessor": company.pk}
    assert "hverdagsdansk" not in str(logged("assess_competence", first).get().changes)


@EXAMPLES
@given(level=st.one_of(st.integers(min_value=-5, max_value=12), st.none(), st.text(max_size=3)))
def test_the_level_is_a_whole_number_from_1_to_5(alice, citizen, level):
    valid = (isinstance(level, int) and 1 <= level <= 5) or (isinstance(level, str) and level.strip() in list("12345"))
    with rolled_back():
        try:
            actions.assess_competence(
                acting_user=alice, citizen=citizen, area="social", level=level, assessed_on=today()
            )
            saved = True
        except ValidationError as error:
            assert "level" in error.message_dict
            saved = False
        assert saved is valid
        assert citizen.competences.count() == int(valid)


def test_an_assessment_needs_a_known_area_and_a_date_not_in_the_future(alice, citizen):
    with pytest.raises(ValidationError) as excinfo:
        actions.assess_competence(
            acting_user=alice, citizen=citizen, area="musical", level=3, assessed_on=today() + DAY
        )
    assert error_fields(excinfo) == {"area", "assessed_on"}
    assert not citizen.competences.exists()


# --- Restrictions -----------------------------------------------------------------------------


def test_a_restriction_is_ended_never_deleted(alice, citizen):
    restriction = actions.add_restriction(
        acting_user=alice,
        citizen=citizen,
        tag=Restriction.Tag.NO_VACUUMING,
        description="Skulderen",
        recorded_on=today() - 20 * DAY,
    )
    entry = logged("add_restriction", restriction).get()
    assert entry.changes == {"tag": "no_vacuuming", "recorded_on": (today() - 20 * DAY).isoformat()}
    actions.end_restriction(acting_user=alice, restriction=restriction, ended_on=today())
    restriction.refresh_from_db()
    assert restriction.ended_on == today() and restriction.description == "Skulderen"
    assert logged("end_restriction", restriction).exists()
    with pytest.raises(ValidationError):
        actions.end_restriction(acting_user=alice, restriction=restriction, ended_on=today())


def test_a_restriction_cannot_end_before_it_was_recorded_or_in_the_future(alice, citizen):
    restriction = actions.add_restriction(
        acting_user=alice, citizen=citizen, tag=Restriction.Tag.NO_PORK, recorded_on=today() - 5 * DAY
    )
    for ended_on in (today() - 6 * DAY, today() + DAY):
        with pytest.raises(ValidationError) as excinfo:
            actions.end_restriction(acting_user=alice, restriction=restriction, ended_on=ended_on)
        assert error_fields(excinfo) == {"ended_on"}
    restriction.refresh_from_db()
    assert restriction.ended_on is None


def test_the_same_restriction_is_not_recorded_twice_while_it_applies(alice, citizen):
    actions.add_restriction(acting_user=alice, citizen=citizen, tag=Restriction.Tag.NO_PORK, recorded_on=today())
    with pytest.raises(ValidationError) as excinfo:
        actions.add_restriction(acting_user=alice, citizen=citizen, tag=Restriction.Tag.NO_PORK, recorded_on=today())
    assert error_fields(excinfo) == {"tag"}
    assert citizen.restrictions.count() == 1


def test_other_needs_a_description_and_an_unknown_tag_is_refused(alice, citizen):
    with pytest.raises(ValidationError) as excinfo:
        actions.add_restriction(acting_user=alice, citizen=citizen, tag=Restriction.Tag.OTHER, recorded_on=today())
    assert error_fields(excinfo) == {"description"}
    with pytest.raises(ValidationError) as excinfo:
        actions.add_restriction(acting_user=alice, citizen=citizen, tag="no_mondays", recorded_on=today() + DAY)
    assert error_fields(excinfo) == {"tag", "recorded_on"}
    assert not citizen.restrictions.exists()


# --- Parallel efforts -------------------------------------------------------------------------


def test_a_parallel_effort_is_added_and_ended_and_logged_without_its_description(alice, citizen):
    effort = actions.add_parallel_effort(
        acting_user=alice,
        citizen=citizen,
        kind=ParallelEffort.Kind.DEBT_COUNSELLING,
        description="Hos Gældsrådgivningen",
        starts_on=today() - 40 * DAY,
    )
    assert "Gældsrådgivningen" not in str(logged("add_parallel_effort", effort).get().changes)
    actions.end_parallel_effort(acting_user=alice, effort=effort, ends_on=today())
    effort.refresh_from_db()
    assert effort.ends_on == today()
    assert logged("end_parallel_effort", effort).exists()


def test_a_planned_effort_may_lie_ahead_but_cannot_end_before_it_starts(alice, citizen):
    effort = actions.add_parallel_effort(
        acting_user=alice,
        citizen=citizen,
        kind=ParallelEffort.Kind.HEALTH,
        starts_on=today() + 7 * DAY,
        ends_on=today() + 60 * DAY,
    )
    assert effort.pk
    with pytest.raises(ValidationError) as excinfo:
        actions.end_parallel_effort(acting_user=alice, effort=effort, ends_on=today())
    assert error_fields(excinfo) == {"ends_on"}
    with pytest.raises(ValidationError) as excinfo:
        actions.add_parallel_effort(
            acting_user=alice,
            citizen=citizen,
            kind=ParallelEffort.Kind.FAMILY,
            starts_on=today(),
            ends_on=today() - DAY,
        )
    assert error_fields(excinfo) == {"ends_on"}
    assert citizen.parallel_efforts.count() == 1


def test_an_effort_that_has_ended_stays_ended(alice, citizen):
    effort = actions.add_parallel_effort(
        acting_user=alice,
        citizen=citizen,
        kind=ParallelEffort.Kind.HOUSING_SUPPORT,
        starts_on=today() - 90 * DAY,
        ends_on=today() - 10 * DAY,
    )
    with pytest.raises(ValidationError):
        actions.end_parallel_effort(acting_user=alice, effort=effort, ends_on=today())
    effort.refresh_from_db()
    assert effort.ends_on == today() - 10 * DAY
