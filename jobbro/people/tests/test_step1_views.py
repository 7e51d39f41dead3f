"""Step 1 pages: who may read and write, forms that keep the input and save nothing on error, the citizen page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.people import actions
from jobbro.people.models import CompetenceAssessment, CVEntry, JobGoal, ParallelEffort, Restriction

DAY = datetime.timedelta(days=1)
READ_PAGES = ["job_goals", "cv", "competence_card"]
HEALTH_PAGES = ["restrictions", "parallel_efforts"]


def today():
    return timezone.localdate()


def url(name, citizen, **kwargs):
    return reverse(name, kwargs={"citizen_pk": citizen.pk, **kwargs})


def text(response):
    return response.content.decode()


@pytest.fixture
def step1(world, company):
    """Mette (alice's citizen) with a goal, an earlier goal, a CV line, an assessment, a restriction and an effort."""
    citizen = world.alices_citizen
    alice = world.alice
    first = actions.set_job_goal(
        acting_user=alice, citizen=citizen, occupation_code="9412", text="Køkkenhjælp", set_on=today() - 30 * DAY
    )
    goal = actions.adjust_job_goal(
        acting_user=alice, goal=first, occupation_code="9112", text="Rengøring om morgenen", set_on=today() - 5 * DAY
    )
    entry = actions.add_cv_entry(
        acting_user=alice,
        citizen=citizen,
        kind=CVEntry.Kind.WORK,
        title="Opvasker",
        organisation="Hotel Ø",
        starts_on=datetime.date(2018, 1, 1),
        ends_on=datetime.date(2020, 1, 1),
    )
    assessment = actions.assess_competence(
        acting_user=alice,
        citizen=citizen,
        area=CompetenceAssessment.Area.DANISH,
        level=3,
        comment="Klarer sig i køkkenet",
        assessed_on=today(),
        co_assessor=company,
    )
    restriction = actions.add_restriction(
        acting_user=alice,
        citizen=citizen,
        tag=Restriction.Tag.NO_VACUUMING,
        description="Skulderen gør ondt",
        recorded_on=today() - 3 * DAY,
    )
    effort = actions.add_parallel_effort(
        acting_user=alice,
        citizen=citizen,
        kind=ParallelEffort.Kind.PSYCHIATRIC,
        description="Distriktspsykiatrien hver 14. dag",
        starts_on=today() - 60 * DAY,
    )
    return {
        "citizen": citizen,
        "first": first,
        "goal": goal,
        "entry": entry,
        "assessment": assessment,
        "restriction": restriction,
        "effort": effort,
    }


def write_urls(step1):
    citizen = step1["citizen"]
    return [
        url("job_goal_adjust", citizen, goal_pk=step1["goal"].pk),
        url("job_goal_close", citizen, goal_pk=step1["goal"].pk),
        url("cv_entry_edit", citizen, entry_pk=step1["entry"].pk),
        url("cv_entry_delete", citizen, entry_pk=step1["entry"].pk),
        url("restriction_end", citizen, restriction_pk=step1["restriction"].pk),
        url("parallel_effort_end", citizen, effort_pk=step1["effort"].pk),
    ]


def all_urls(step1):
    citizen = step1["citizen"]
    return [url(name, citizen) for name in READ_PAGES + HEALTH_PAGES] + [url("cv_pdf", citizen)] + write_urls(step1)


# --- Reading ----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, step1):
    for address in all_urls(step1):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_case_workers_read_and_get_the_forms_on_every_step_1_page(client, world, step1, who):
    client.force_login(getattr(world, who))
    for address in all_urls(step1):
        assert client.get(address).status_code == 200, address
    page = text(client.get(url("job_goals", step1["citizen"])))
    assert 'id="job-goal-form"' in page
    assert "Rengøring om morgenen" in page


def test_the_pages_show_what_was_recorded(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    goals = text(client.get(url("job_goals", citizen)))
    assert f'data-goal="{step1["goal"].pk}" data-kind="goal"' in goals
    assert 'id="goal-history"' in goals and "Køkkenhjælp" in goals
    cv = text(client.get(url("cv", citizen)))
    assert "Opvasker" in cv and "Hotel Ø" in cv and 'data-kind="work"' in cv
    assert url("cv_pdf", citizen) in cv
    card = text(client.get(url("competence_card", citizen)))
    assert 'data-area="danish" data-level="3"' in card and "Café Havnen" in card
    assert 'data-area="social" data-level=""' in card
    assert "Skulderen gør ondt" in text(client.get(url("restrictions", citizen)))
    assert "Distriktspsykiatrien" in text(client.get(url("parallel_efforts", citizen)))


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_managers_and_coordinators_read_goals_cv_and_card_without_forms_and_never_health(client, world, step1, who):
    client.force_login(getattr(world, who))
    citizen = step1["citizen"]
    for name in READ_PAGES:
        response = client.get(url(name, citizen))
        assert response.status_code == 200, name
        page = text(response)
        assert '<form method="post" id=' not in page, name
        assert url("restrictions", citizen) not in page and url("parallel_efforts", citizen) not in page
        assert "Skulderen" not in page and "Distriktspsykiatrien" not in page
    for name in HEALTH_PAGES:
        assert client.get(url(name, citizen)).status_code == 404, name
    for address in write_urls(step1):
        assert client.get(address).status_code == 404, address


@pytest.mark.parametrize("who", ["charlie", "outside_caseworker", "evaluator"])
def test_outsiders_and_evaluators_get_not_found_everywhere_and_the_denial_is_logged(client, world, step1, who):
    user = getattr(world, who)
    client.force_login(user)
    for address in all_urls(step1):
        assert client.get(address).status_code == 404, address
        if not address.endswith(".pdf"):
            assert client.post(address, {"text": "x"}).status_code == 404, address
    reads = AccessLog.objects.filter(user=user, citizen=step1["citizen"])
    assert reads.exists() and not reads.exclude(status_code=404).exists()


def test_a_read_of_a_step_1_page_is_logged(client, world, step1):
    client.force_login(world.alice)
    client.get(url("competence_card", step1["citizen"]))
    assert AccessLog.objects.filter(
        user=world.alice, citizen=step1["citizen"], view="competence_card", status_code=200
    ).exists()


def test_a_mentor_works_only_on_the_citizens_they_support(client, world, step1):
    client.force_login(world.mentor)
    assert client.get(url("cv", step1["citizen"])).status_code == 404
    response = client.post(url("cv", world.bobs_citizen), {"kind": "skill", "title": "Truckcertifikat"})
    assert response.status_code == 302
    assert world.bobs_citizen.cv_entries.filter(title="Truckcertifikat").exists()


def test_a_record_of_another_citizen_cannot_be_reached_through_this_citizen(client, world, step1):
    other = actions.add_cv_entry(
        acting_user=world.bob, citizen=world.bobs_citizen, kind=CVEntry.Kind.SKILL, title="Kørekort"
    )
    client.force_login(world.alice)
    assert client.get(url("cv_entry_edit", step1["citizen"], entry_pk=other.pk)).status_code == 404
    assert client.post(url("cv_entry_delete", step1["citizen"], entry_pk=other.pk)).status_code == 404
    assert CVEntry.objects.filter(pk=other.pk).exists()


# --- Writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_managers_and_coordinators_cannot_post_anything(client, world, step1, who):
    client.force_login(getattr(world, who))
    citizen = step1["citizen"]
    before = ChangeLog.objects.count()
    posts = {
        url("job_goals", citizen): {"kind": "goal", "text": "Lager", "set_on": today().isoformat()},
        url("cv", citizen): {"kind": "skill", "title": "Truck"},
        url("competence_card", citizen): {"area": "social", "level": "4", "assessed_on": today().isoformat()},
        url("restrictions", citizen): {"tag": "no_pork", "recorded_on": today().isoformat()},
        url("parallel_efforts", citizen): {"kind": "health", "starts_on": today().isoformat()},
    }
    for address, data in posts.items():
        assert client.post(address, data).status_code == 404, address
    for address in write_urls(step1):
        assert client.post(address, {"on": today().isoformat()}).status_code == 404, address
    assert ChangeLog.objects.count() == before
    assert CVEntry.objects.filter(pk=step1["entry"].pk).exists()


def test_a_job_broker_sets_a_goal_through_the_page(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    response = client.post(
        url("job_goals", citizen),
        {"kind": "wish", "occupation_code": "5223", "text": "Butik i nærheden", "set_on": today().isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == url("job_goals", citizen)
    wish = citizen.job_goals.get(text="Butik i nærheden")
    assert (wish.kind, wish.occupation_code, wish.set_on) == (JobGoal.Kind.WISH, "5223", today())


def test_adjusting_a_goal_through_the_page_keeps_the_earlier_one(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    goal = step1["goal"]
    response = client.post(
        url("job_goal_adjust", citizen, goal_pk=goal.pk),
        {"kind": "goal", "occupation_code": "9333", "text": "Lager", "set_on": today().isoformat()},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.replaced_on == today()
    assert list(citizen.job_goals.filter(replaced_on__isnull=True).values_list("text", flat=True)) == ["Lager"]
    assert citizen.job_goals.count() == 3
    # A goal that has been replaced cannot be adjusted again.
    assert client.get(url("job_goal_adjust", citizen, goal_pk=goal.pk)).status_code == 404


def test_an_impossible_date_range_is_shown_next_to_the_field_with_the_input_kept_and_nothing_saved(
    client, world, step1
):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    before = citizen.cv_entries.count()
    response = client.post(
        url("cv", citizen),
        {
            "kind": "education",
            "title": "Rengøringsuddannelse AMU",
            "organisation": "AMU Østjylland",
            "starts_on": "2023-06-01",
            "ends_on": "2023-02-01",
            "description": "Tre uger",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="id_ends_on-error"' in page
    assert 'id="id_starts_on-error"' not in page
    assert 'value="Rengøringsuddannelse AMU"' in page and 'value="AMU Østjylland"' in page
    assert 'value="2023-02-01"' in page and "Tre uger</textarea>" in page
    assert 'id="error-summary"' in page
    assert citizen.cv_entries.count() == before
    assert not ChangeLog.objects.filter(action="add_cv_entry", changes__kind="education").exists()


def test_a_form_error_from_the_form_itself_also_keeps_the_input(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    response = client.post(
        url("competence_card", citizen),
        {"area": "social", "level": "", "comment": "God til at samarbejde", "assessed_on": today().isoformat()},
    )
    page = text(response)
    assert response.status_code == 200
    assert 'id="id_level-error"' in page and 'value="God til at samarbejde"' in page
    assert not citizen.competences.filter(area="social").exists()


def test_assessing_with_a_company_and_ending_a_restriction_and_an_effort(client, world, step1, social_company):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    response = client.post(
        url("competence_card", citizen),
        {
            "area": "personal",
            "level": "4",
            "comment": "Mødestabil",
            "assessed_on": today().isoformat(),
            "co_assessor": social_company.pk,
        },
    )
    assert response.status_code == 302
    assert citizen.competences.get(area="personal").co_assessor == social_company

    restriction = step1["restriction"]
    assert (
        client.post(
            url("restriction_end", citizen, restriction_pk=restriction.pk), {"ended_on": today().isoformat()}
        ).status_code
        == 302
    )
    restriction.refresh_from_db()
    assert restriction.ended_on == today()
    assert Restriction.objects.filter(pk=restriction.pk).exists()

    effort = step1["effort"]
    assert (
        client.post(
            url("parallel_effort_end", citizen, effort_pk=effort.pk), {"ends_on": today().isoformat()}
        ).status_code
        == 302
    )
    effort.refresh_from_db()
    assert effort.ends_on == today()


def test_recording_a_restriction_that_already_applies_is_refused_on_the_field(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    response = client.post(
        url("restrictions", citizen), {"tag": "no_vacuuming", "description": "Igen", "recorded_on": today().isoformat()}
    )
    assert response.status_code == 200 and 'id="id_tag-error"' in text(response)
    assert citizen.restrictions.count() == 1


def test_editing_and_deleting_a_cv_line(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    entry = step1["entry"]
    edit = url("cv_entry_edit", citizen, entry_pk=entry.pk)
    assert 'value="Opvasker"' in text(client.get(edit))
    response = client.post(
        edit,
        {
            "kind": "work",
            "title": "Opvasker og kolde retter",
            "organisation": "Hotel Ø",
            "starts_on": "2018-01-01",
            "ends_on": "2020-01-01",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Opvasker og kolde retter"

    delete = url("cv_entry_delete", citizen, entry_pk=entry.pk)
    assert client.get(delete).status_code == 200
    assert CVEntry.objects.filter(pk=entry.pk).exists(), "a GET never deletes"
    assert client.post(delete).status_code == 302
    assert not CVEntry.objects.filter(pk=entry.pk).exists()
    assert ChangeLog.objects.filter(action="remove_cv_entry", object_id=str(entry.pk)).exists()


# --- The citizen page -------------------------------------------------------------------------


def test_the_citizen_page_shows_step_1_with_links_for_the_job_broker(client, world, step1):
    client.force_login(world.alice)
    citizen = step1["citizen"]
    page = text(client.get(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})))
    assert f'data-goal="{step1["goal"].pk}"' in page and "9112" in page
    assert 'id="step1-goal-history"' in page and "Køkkenhjælp" in page
    assert 'id="step1-cv" data-count="1"' in page
    assert 'data-area="danish" data-level="3"' in page and "Café Havnen" in page
    assert 'data-tag="no_vacuuming"' in page and 'data-kind="psychiatric"' in page
    for name in READ_PAGES + HEALTH_PAGES:
        assert url(name, citizen) in page, name


def test_the_citizen_page_shows_a_manager_goals_cv_and_card_but_no_restrictions_and_no_write_links(
    client, world, step1
):
    client.force_login(world.manager)
    citizen = step1["citizen"]
    page = text(client.get(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk})))
    assert f'data-goal="{step1["goal"].pk}"' in page
    assert 'data-area="danish" data-level="3"' in page
    assert 'data-tag="no_vacuuming"' not in page and "Skulderen" not in page and "Distriktspsykiatrien" not in page
    for name in HEALTH_PAGES:
        assert url(name, citizen) not in page, name
