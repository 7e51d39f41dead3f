"""Upskilling considered at the first talk: yes with a course, or no with the reason; required, so the citizen
page warns until a decision exists."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import OutcomeStatus, UpskillingDecision
from jobbro.cases.views import needs_upskilling_decision
from jobbro.companies.models import Course, KnowledgeInstitution
from jobbro.conftest import REFERRED_ON, rolled_back


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def course(db):
    school = KnowledgeInstitution.objects.create(
        name="Sprogcenter Aarhus", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL
    )
    return Course.objects.create(
        institution=school, name="Arbejdsmarkedsdansk", subject=Course.Subject.LANGUAGE, duration_days=20
    )


def url(enrolment):
    return reverse("enrolment_upskilling", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def citizen_url(enrolment):
    return reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})


def counts():
    return (UpskillingDecision.objects.count(), ChangeLog.objects.filter(action="record_upskilling_decision").count())


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The action ----------------------------------------------------------------------------------------------


def test_yes_with_a_course_is_recorded_with_its_audit_row(enrolment, alice, course):
    decision = actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=day(2), wanted=True, course=course
    )
    assert (decision.enrolment, decision.decided_on, decision.wanted, decision.course, decision.reason) == (
        enrolment,
        day(2),
        True,
        course,
        "",
    )
    row = ChangeLog.objects.get(action="record_upskilling_decision")
    assert (row.user, row.citizen_ref, row.object_id) == (alice, enrolment.citizen_id, str(decision.pk))
    assert row.changes == {"wanted": True, "course": course.pk, "on": day(2).isoformat()}


def test_no_with_a_reason_is_recorded_and_the_reason_stays_out_of_the_change_log(enrolment, alice, course):
    decision = actions.record_upskilling_decision(
        acting_user=alice,
        enrolment=enrolment,
        decided_on=day(2),
        wanted=False,
        reason="Vil først have fodfæste",
        course=course,
    )
    assert (decision.wanted, decision.course, decision.reason) == (False, None, "Vil først have fodfæste")
    assert "fodfæste" not in str(ChangeLog.objects.get(action="record_upskilling_decision").changes)


@given(
    wanted=st.booleans(), with_course=st.booleans(), reason=st.sampled_from(["", "   ", "Har ikke overskud lige nu"])
)
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_exactly_yes_with_a_course_or_no_with_a_reason_is_accepted(
    enrolment, alice, course, wanted, with_course, reason
):
    with rolled_back():
        before = counts()
        arguments = {
            "acting_user": alice,
            "enrolment": enrolment,
            "decided_on": day(2),
            "wanted": wanted,
            "course": course if with_course else None,
            "reason": reason,
        }
        acceptable = (wanted and with_course) or (not wanted and reason.strip())
        if acceptable:
            actions.record_upskilling_decision(**arguments)
            assert counts() == (before[0] + 1, before[1] + 1)
        else:
            with pytest.raises(ValidationError) as refused:
                actions.record_upskilling_decision(**arguments)
            assert list(refused.value.message_dict) == ["course" if wanted else "reason"]
            assert counts() == before


@pytest.mark.parametrize(("when", "ended"), [(day(-1), False), (day(91), True)])
def test_the_decision_is_dated_within_the_course(enrolment, alice, caseworker, course, when, ended):
    if ended:
        actions.end_enrolment(
            acting_user=caseworker, enrolment=enrolment, ended_on=day(90), status=OutcomeStatus.BENEFIT
        )
    before = counts()
    with pytest.raises(ValidationError) as refused:
        actions.record_upskilling_decision(
            acting_user=alice, enrolment=enrolment, decided_on=when, wanted=True, course=course
        )
    assert list(refused.value.message_dict) == ["decided_on"]
    assert counts() == before


def test_a_later_decision_is_a_new_row_and_the_first_is_kept(enrolment, alice, course):
    first = actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=day(2), wanted=False, reason="Ikke nu"
    )
    actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=day(40), wanted=True, course=course
    )
    assert list(enrolment.upskilling_decisions.values_list("wanted", "decided_on")) == [
        (False, day(2)),
        (True, day(40)),
    ]
    assert enrolment.upskilling_decisions.first().pk == first.pk


def test_needs_upskilling_decision_until_one_exists_and_never_after_the_course(
    enrolment, bobs_enrolment, alice, caseworker
):
    assert needs_upskilling_decision(enrolment)
    actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=day(2), wanted=False, reason="Ikke nu"
    )
    assert not needs_upskilling_decision(enrolment)
    actions.end_enrolment(
        acting_user=caseworker, enrolment=bobs_enrolment, ended_on=day(30), status=OutcomeStatus.OTHER
    )
    bobs_enrolment.refresh_from_db()
    assert not needs_upskilling_decision(bobs_enrolment)


# --- The page ---------------------------------------------------------------------------------------------------


def test_the_citizen_page_warns_until_a_decision_exists_and_links_to_the_form_first(client, enrolment, alice, course):
    page = english(client, alice).get(citizen_url(enrolment)).content.decode()
    assert f'data-upskilling-missing="{enrolment.pk}"' in page
    assert "Upskilling not yet considered" in page
    actions_block = page.split(f'data-enrolment-actions="{enrolment.pk}"', 1)[1]
    first_link = actions_block.split('href="', 1)[1].split('"', 1)[0]
    assert first_link == url(enrolment)
    assert 'class="button button-primary"' in actions_block.split("</li>", 1)[0]

    actions.record_upskilling_decision(
        acting_user=alice, enrolment=enrolment, decided_on=day(2), wanted=True, course=course
    )
    page = client.get(citizen_url(enrolment)).content.decode()
    assert f'data-upskilling-missing="{enrolment.pk}"' not in page
    assert url(enrolment) in page  # still reachable, no longer first


def test_the_warning_is_per_enrolment(client, world, course):
    actions.record_upskilling_decision(
        acting_user=world.bob, enrolment=world.bobs_enrolment, decided_on=day(2), wanted=False, reason="Nej"
    )
    client.force_login(world.caseworker)
    assert (
        f'data-upskilling-missing="{world.bobs_enrolment.pk}"'
        not in client.get(citizen_url(world.bobs_enrolment)).content.decode()
    )
    assert (
        f'data-upskilling-missing="{world.alices_enrolment.pk}"'
        in client.get(citizen_url(world.alices_enrolment)).content.decode()
    )


def test_no_with_a_reason_through_the_form(client, enrolment, alice):
    response = english(client, alice).post(
        url(enrolment), {"wanted": "no", "reason": "Vil først i job", "decided_on": day(2)}
    )
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    assert list(enrolment.upskilling_decisions.values_list("wanted", "course", "reason", "decided_on")) == [
        (False, None, "Vil først i job", day(2))
    ]


def test_yes_with_a_course_through_the_form(client, enrolment, alice, course):
    response = english(client, alice).post(
        url(enrolment), {"wanted": "yes", "course": course.pk, "reason": "", "decided_on": day(2)}
    )
    assert response.status_code == 302
    assert list(enrolment.upskilling_decisions.values_list("wanted", "course")) == [(True, course.pk)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"wanted": "yes", "course": "", "reason": "Gerne"},
            {"course": ["Choose the course when upskilling is wanted."]},
        ),
        (
            {"wanted": "no", "course": "", "reason": "  "},
            {"reason": ["Give the reason when upskilling is not wanted."]},
        ),
        ({"wanted": "", "course": "", "reason": "x"}, {"wanted": ["This field is required."]}),
        (
            {"wanted": "no", "reason": "x", "decided_on": "2999-01-01"},
            {"decided_on": ["The date cannot be in the future."]},
        ),
        (
            {"wanted": "no", "reason": "x", "decided_on": "2025-03-02"},
            {"decided_on": ["The decision cannot be dated before the referral date."]},
        ),
    ],
)
def test_a_refused_decision_is_shown_next_to_its_field_with_the_input_kept(client, enrolment, alice, data, expected):
    data = {"decided_on": day(2), **data}
    before = counts()
    response = english(client, alice).post(url(enrolment), data)
    assert response.status_code == 200
    assert dict(response.context["form"].errors) == expected
    [field] = expected
    text = response.content.decode()
    assert f'id="id_{field}-error"' in text
    if data.get("reason", "").strip():
        assert f'value="{data["reason"]}"' in text
    assert counts() == before


def test_the_radio_buttons_are_a_fieldset_with_a_legend(client, enrolment, alice):
    text = english(client, alice).get(url(enrolment)).content.decode()
    fieldset = text.split("<fieldset", 1)[1].split("</fieldset>", 1)[0]
    assert "<legend" in fieldset and 'type="radio"' in fieldset and 'for="id_wanted_0"' in fieldset
