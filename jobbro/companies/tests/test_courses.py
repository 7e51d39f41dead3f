"""The course catalogue: everyone but evaluators reads it, the coordinator keeps it, case workers enrol citizens."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.cases.models import UpskillingEnrolment
from jobbro.companies import forms, views
from jobbro.companies.models import Course, KnowledgeInstitution

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 4, 7)


@pytest.fixture
def school(db):
    return KnowledgeInstitution.objects.create(
        name="Sprogcenter Aarhus", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL, city="Aarhus"
    )


@pytest.fixture
def danish(school):
    return Course.objects.create(
        institution=school,
        name="Dansk på jobbet",
        subject=Course.Subject.LANGUAGE,
        duration_days=40,
        cost_dkk=0,
        alongside_work=True,
    )


@pytest.fixture
def forklift(db):
    amu = KnowledgeInstitution.objects.create(name="AMU Østjylland", kind=KnowledgeInstitution.Kind.ADULT_EDUCATION)
    return Course.objects.create(
        institution=amu,
        name="Truckcertifikat B",
        subject=Course.Subject.FORKLIFT,
        duration_days=5,
        cost_dkk=4500,
        alongside_work=False,
    )


def shown(client, **params):
    content = client.get(reverse("course_list"), params).content.decode()
    return {pk for pk in Course.objects.values_list("pk", flat=True) if f'data-course="{pk}"' in content}


def test_the_catalogue_filters_by_subject_and_alongside_work(client, alice, danish, forklift):
    client.force_login(alice)
    assert shown(client) == {danish.pk, forklift.pk}
    assert shown(client, subject="forklift") == {forklift.pk}
    assert shown(client, alongside_work="yes") == {danish.pk}
    assert shown(client, alongside_work="no") == {forklift.pk}
    assert shown(client, q="sprogcenter") == {danish.pk}


@pytest.mark.parametrize("page", ["course_list", "course_detail", "institution_detail"])
def test_an_evaluator_gets_404_on_the_catalogue(client, evaluator, danish, page):
    client.force_login(evaluator)
    address = (
        reverse(page)
        if page == "course_list"
        else reverse(page, kwargs={"pk": danish.pk if page == "course_detail" else danish.institution_id})
    )
    assert client.get(address).status_code == 404


def test_an_institution_page_lists_its_courses(client, manager, danish, forklift):
    client.force_login(manager)
    content = client.get(reverse("institution_detail", kwargs={"pk": danish.institution_id})).content.decode()
    assert f'data-course="{danish.pk}"' in content and f'data-course="{forklift.pk}"' not in content


def test_the_coordinator_adds_and_edits_a_course(client, coordinator, school):
    client.force_login(coordinator)
    response = client.post(
        reverse("course_new"),
        {
            "institution": school.pk,
            "name": "Hygiejnebevis",
            "subject": "hygiene",
            "duration_days": "2",
            "cost_dkk": "1200",
            "alongside_work": "on",
        },
    )
    course = Course.objects.get(name="Hygiejnebevis")
    assert response.status_code == 302 and response["Location"] == reverse("course_detail", kwargs={"pk": course.pk})
    assert ChangeLog.objects.filter(action="create_course", object_id=str(course.pk)).exists()
    response = client.post(
        reverse("course_edit", kwargs={"pk": course.pk}),
        {
            "institution": school.pk,
            "name": "Hygiejnebevis",
            "subject": "hygiene",
            "duration_days": "3",
            "cost_dkk": "1200",
        },
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.duration_days == 3 and course.alongside_work is False


def test_a_course_without_days_is_refused_with_the_input_kept(client, coordinator, school):
    client.force_login(coordinator)
    response = client.post(
        reverse("course_new"),
        {"institution": school.pk, "name": "Nul dage", "subject": "other", "duration_days": "0", "cost_dkk": "0"},
    )
    assert response.status_code == 200
    assert "duration_days" in response.context["form"].errors
    assert 'value="Nul dage"' in response.content.decode()
    assert not Course.objects.filter(name="Nul dage").exists()


def test_the_coordinator_adds_an_institution_and_a_duplicate_name_is_refused(client, coordinator, school):
    client.force_login(coordinator)
    response = client.post(
        reverse("institution_new"), {"name": "Aarhus Tech", "kind": "vocational_college", "city": "Aarhus"}
    )
    assert response.status_code == 302
    response = client.post(reverse("institution_new"), {"name": "sprogcenter aarhus", "kind": "language_school"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert KnowledgeInstitution.objects.count() == 2


@pytest.mark.parametrize("who", ["alice", "caseworker", "manager"])
def test_readers_cannot_change_the_catalogue(client, staff, school, danish, who):
    client.force_login(getattr(staff, who))
    assert (
        client.post(
            reverse("course_new"),
            {"institution": school.pk, "name": "X", "subject": "other", "duration_days": "1", "cost_dkk": "0"},
        ).status_code
        == 404
    )
    assert client.post(reverse("course_edit", kwargs={"pk": danish.pk}), {"name": "Y"}).status_code == 404
    assert client.post(reverse("institution_new"), {"name": "Z", "kind": "other"}).status_code == 404
    assert Course.objects.count() == 1 and KnowledgeInstitution.objects.count() == 1


# --- Enrolling a citizen in a course --------------------------------------------------------------------------------


def test_a_job_broker_enrols_her_citizen_from_the_course_page(client, alice, alices_enrolment, danish):
    client.force_login(alice)
    response = client.post(
        reverse("course_detail", kwargs={"pk": danish.pk}),
        {"enrolment": alices_enrolment.pk, "starts_on": START.isoformat()},
    )
    assert response.status_code == 302
    upskilling = UpskillingEnrolment.objects.get()
    assert (upskilling.enrolment, upskilling.course, upskilling.starts_on) == (alices_enrolment, danish, START)
    assert upskilling.ends_on == START + datetime.timedelta(days=39)
    assert upskilling.status == UpskillingEnrolment.Status.PLANNED
    log = ChangeLog.objects.get(action="enrol_in_course")
    assert log.citizen_ref == alices_enrolment.citizen_id
    assert (
        f'data-upskilling="{upskilling.pk}"'
        in client.get(reverse("course_detail", kwargs={"pk": danish.pk})).content.decode()
    )


def test_a_job_broker_cannot_enrol_a_citizen_outside_her_caseload(
    client, alice, bobs_enrolment, charlies_enrolment, danish
):
    client.force_login(alice)
    for enrolment in (bobs_enrolment, charlies_enrolment):
        response = client.post(
            reverse("course_detail", kwargs={"pk": danish.pk}),
            {"enrolment": enrolment.pk, "starts_on": START.isoformat()},
        )
        assert response.status_code == 200
        assert "enrolment" in response.context["form"].errors
    assert not UpskillingEnrolment.objects.exists()


def test_a_course_page_shows_only_the_citizens_the_user_may_see(
    client, alice, charlie, manager, coordinator, evaluator, alices_enrolment, charlies_enrolment, danish
):
    mine = case_actions.enrol_in_course(acting_user=alice, enrolment=alices_enrolment, course=danish, starts_on=START)
    theirs = case_actions.enrol_in_course(
        acting_user=charlie, enrolment=charlies_enrolment, course=danish, starts_on=START
    )
    address = reverse("course_detail", kwargs={"pk": danish.pk})
    for user, expected in ((alice, {mine}), (charlie, {theirs}), (manager, {mine}), (coordinator, {mine})):
        client.force_login(user)
        content = client.get(address).content.decode()
        assert {u for u in (mine, theirs) if f'data-upskilling="{u.pk}"' in content} == expected, user
        assert ("Karen Jensen" in content) == (theirs in expected)
    client.force_login(coordinator)
    assert client.post(address, {"enrolment": alices_enrolment.pk, "starts_on": START.isoformat()}).status_code == 404


def test_the_enrol_action_checks_its_rules(alice, coordinator, alices_enrolment, charlies_enrolment, danish):
    with pytest.raises(PermissionDenied):
        case_actions.enrol_in_course(
            acting_user=coordinator, enrolment=alices_enrolment, course=danish, starts_on=START
        )
    with pytest.raises(PermissionDenied):
        case_actions.enrol_in_course(acting_user=alice, enrolment=charlies_enrolment, course=danish, starts_on=START)
    with pytest.raises(ValidationError) as error:
        case_actions.enrol_in_course(
            acting_user=alice,
            enrolment=alices_enrolment,
            course=danish,
            starts_on=alices_enrolment.referred_on - datetime.timedelta(days=1),
        )
    assert "starts_on" in error.value.message_dict
    case_actions.enrol_in_course(acting_user=alice, enrolment=alices_enrolment, course=danish, starts_on=START)
    with pytest.raises(ValidationError) as error:
        case_actions.enrol_in_course(acting_user=alice, enrolment=alices_enrolment, course=danish, starts_on=START)
    assert "course" in error.value.message_dict
    assert UpskillingEnrolment.objects.count() == 1


def test_a_citizen_whose_course_in_the_programme_ended_cannot_be_enrolled(alice, caseworker, alices_enrolment, danish):
    from jobbro.cases.models import OutcomeStatus

    case_actions.end_enrolment(
        acting_user=caseworker, enrolment=alices_enrolment, ended_on=START, status=OutcomeStatus.ORDINARY_JOB
    )
    alices_enrolment.refresh_from_db()
    with pytest.raises(ValidationError):
        case_actions.enrol_in_course(acting_user=alice, enrolment=alices_enrolment, course=danish, starts_on=START)
    assert not UpskillingEnrolment.objects.exists()


# --- The citizen field: a searchable field by POST once the choice is large ----------------------------------------


@pytest.fixture
def alices_many(refer, alice):
    """More of alice's citizens than the plain select shows: the searchable field is used."""
    return [
        refer(first_name=f"Kursist{i:02d}", last_name="Holm", job_broker=alice)
        for i in range(forms.ENROL_SELECT_MAX + 1)
    ]


def matches(client, text):
    response = client.post(reverse("course_citizen_matches"), {"q": text})
    assert response.status_code == 200
    return response.json()


def test_a_small_choice_is_a_plain_select(client, alice, alices_enrolment, danish):
    client.force_login(alice)
    content = client.get(reverse("course_detail", kwargs={"pk": danish.pk})).content.decode()
    assert f'<option value="{alices_enrolment.pk}"' in content and "Mette Sørensen" in content
    assert "data-jb-picker" not in content


def test_a_large_choice_is_a_searchable_field_that_lists_no_names(client, alice, alices_many, danish):
    client.force_login(alice)
    content = client.get(reverse("course_detail", kwargs={"pk": danish.pk})).content.decode()
    assert 'data-jb-picker data-url="/courses/citizens/" data-method="post"' in content.replace(
        reverse("course_citizen_matches"), "/courses/citizens/"
    )
    assert "Kursist" not in content and "<option" not in content.split('id="enrol-form"')[1].split("</form>")[0]


def test_the_citizen_field_finds_by_name_through_post_only(client, alice, alices_many, alices_enrolment, danish):
    client.force_login(alice)
    found = matches(client, "kursist07")
    assert [row["id"] for row in found["results"]] == [alices_many[7].pk]
    assert found["results"][0]["text"] == "Kursist07 Holm"
    assert found["results"][0]["label"].startswith("Kursist07 Holm – ")
    assert [row["id"] for row in matches(client, "Mette Sørensen")["results"]] == [alices_enrolment.pk]
    many = matches(client, "Holm")
    assert len(many["results"]) == 10 and many["more"] is True
    assert matches(client, "") == {"results": [], "more": False}
    # Never by GET: a name in an address would reach the access log.
    assert client.get(reverse("course_citizen_matches"), {"q": "Holm"}).status_code == 405


def test_the_citizen_field_refuses_citizens_out_of_the_users_scope(
    client, alice, alices_many, bobs_enrolment, charlies_enrolment, danish
):
    client.force_login(alice)
    # Bob's citizen (same programme, not her caseload) and Charlie's (another programme) are not found...
    assert matches(client, "Ahmed")["results"] == []
    assert matches(client, "Karen Jensen")["results"] == []
    # ... nor enrolled by name or by id.
    address = reverse("course_detail", kwargs={"pk": danish.pk})
    for posted in (
        {"enrolment-text": "Ahmed Hassan"},
        {"enrolment-text": "Karen Jensen", "enrolment": charlies_enrolment.pk},
        {"enrolment": bobs_enrolment.pk},
    ):
        response = client.post(address, {**posted, "starts_on": START.isoformat()})
        assert response.status_code == 200
        assert "enrolment" in response.context["form"].errors
    assert not UpskillingEnrolment.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "manager", "evaluator"])
def test_roles_without_case_work_get_404_from_the_citizen_field(client, staff, who, alices_enrolment):
    client.force_login(getattr(staff, who))
    assert client.post(reverse("course_citizen_matches"), {"q": "Mette"}).status_code == 404


def test_the_citizen_field_enrols_by_a_typed_name_without_script(client, alice, alices_many, danish):
    client.force_login(alice)
    address = reverse("course_detail", kwargs={"pk": danish.pk})
    response = client.post(address, {"enrolment-text": "Kursist03 Holm", "starts_on": START.isoformat()})
    assert response.status_code == 302
    assert UpskillingEnrolment.objects.get().enrolment == alices_many[3]
    # Picked in the list: the id and the name shown.
    response = client.post(
        address, {"enrolment": alices_many[4].pk, "enrolment-text": "Kursist04 Holm", "starts_on": START.isoformat()}
    )
    assert response.status_code == 302
    # Several match: the form says so and names them.
    response = client.post(address, {"enrolment-text": "Holm", "starts_on": START.isoformat()})
    assert response.status_code == 200
    assert "Kursist" in str(response.context["form"].errors["enrolment"])


def test_the_course_page_is_bounded_however_many_citizens_there_are(client, alice, refer, danish):
    """The enrol field and the list of citizens on the course stay the same size with more citizens."""
    address = reverse("course_detail", kwargs={"pk": danish.pk})
    client.force_login(alice)

    def add(count, start):
        for i in range(start, start + count):
            enrolment = refer(first_name=f"Deltager{i:03d}", last_name="Holm", job_broker=alice)
            case_actions.enrol_in_course(acting_user=alice, enrolment=enrolment, course=danish, starts_on=START)

    add(views.COURSE_CITIZENS_PAGE + 5, 0)
    with CaptureQueriesContext(connection) as few_queries:
        few = client.get(address).content
    add(30, views.COURSE_CITIZENS_PAGE + 5)
    with CaptureQueriesContext(connection) as many_queries:
        many = client.get(address).content
    assert len(few_queries) == len(many_queries)
    assert abs(len(many) - len(few)) < 200
    assert many.decode().count("data-upskilling=") == views.COURSE_CITIZENS_PAGE
    last = client.get(address, {"page": 2}).content.decode()
    assert last.count("data-upskilling=") == 35


def test_the_citizen_fields_matches_take_the_same_queries_for_few_and_many(client, alice, alices_many, refer):
    client.force_login(alice)
    matches(client, "Holm")  # the session
    with CaptureQueriesContext(connection) as few:
        assert len(matches(client, "Holm")["results"]) == 10
    for i in range(40):
        refer(first_name=f"Flere{i:02d}", last_name="Holm", job_broker=alice)
    with CaptureQueriesContext(connection) as many:
        assert len(matches(client, "Holm")["results"]) == 10
    assert len(few) == len(many) <= 4
