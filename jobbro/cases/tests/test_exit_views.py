"""Step changes, the end form, follow-ups and aftercare: history kept with who and when, denials are 404s,
refusals are shown next to the field and save nothing."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Contact, Enrolment, Outcome, OutcomeStatus, PlacementEndReason, Step, StepChange
from jobbro.conftest import REFERRED_ON

D = datetime.date


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


def today():
    return timezone.localdate()


def url(name, enrolment):
    return reverse(name, kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def citizen_url(enrolment):
    return reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})


def row_counts():
    return {m.__name__: m.objects.count() for m in (StepChange, Outcome, Contact, ChangeLog)}


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def errors(response):
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


def end(enrolment, user, on=None, status=OutcomeStatus.ORDINARY_JOB):
    return actions.end_enrolment(acting_user=user, enrolment=enrolment, ended_on=on or day(90), status=status)


PAGES = ["enrolment_step", "enrolment_upskilling", "enrolment_end", "enrolment_follow_up"]


# --- Who may --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["charlie", "coordinator", "manager", "evaluator", "outside_caseworker", "mentor"])
def test_users_outside_the_case_get_a_404_and_the_attempt_is_logged(client, world, name, who):
    """charlie and the outside caseworker work elsewhere, the mentor is not on Mette's case, the rest do no case work."""
    user = getattr(world, who)
    client.force_login(user)
    enrolment = world.alices_enrolment
    before = row_counts()
    assert client.get(url(name, enrolment)).status_code == 404
    assert (
        client.post(
            url(name, enrolment),
            {
                "step": 2,
                "changed_on": day(5),
                "ended_on": day(5),
                "status": "other",
                "measured_on": day(5),
                "wanted": "no",
                "reason": "x",
                "decided_on": day(5),
            },
        ).status_code
        == 404
    )
    assert row_counts() == before
    assert AccessLog.objects.filter(user=user, citizen_ref=enrolment.citizen_id, status_code=404).count() == 2


@pytest.mark.parametrize("name", ["enrolment_step", "enrolment_upskilling", "enrolment_end"])
@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_the_case_workers_on_the_programme_get_the_pages(client, world, name, who):
    client.force_login(getattr(world, who))
    assert client.get(url(name, world.alices_enrolment)).status_code == 200


def test_an_enrolment_of_another_citizen_is_a_404_even_under_a_visible_citizen(client, world):
    client.force_login(world.caseworker)
    wrong = reverse(
        "enrolment_step", kwargs={"citizen_pk": world.alices_citizen.pk, "enrolment_pk": world.bobs_enrolment.pk}
    )
    assert client.get(wrong).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, enrolment):
    for name in PAGES:
        response = client.get(url(name, enrolment))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Step change ------------------------------------------------------------------------------------------------


def test_a_step_change_is_kept_with_its_date_who_did_it_and_the_note(client, enrolment, alice):
    response = english(client, alice).post(
        url("enrolment_step", enrolment), {"step": 2, "changed_on": day(10), "note": "Klar til jobsøgning"}
    )
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).current_step == Step.TOWARDS_JOB
    assert list(enrolment.step_changes.values_list("step", "changed_on", "changed_by")) == [
        (Step.CLARIFICATION, REFERRED_ON, enrolment.referred_by_id),
        (Step.TOWARDS_JOB, day(10), alice.pk),
    ]
    assert enrolment.step_changes.last().note == "Klar til jobsøgning"
    assert ChangeLog.objects.filter(action="change_step", user=alice, citizen_ref=enrolment.citizen_id).exists()


def test_the_step_page_shows_the_history_with_date_step_and_who(client, enrolment, alice, bob):
    actions.change_step(acting_user=bob, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(10))
    response = english(client, alice).get(url("enrolment_step", enrolment))
    history = list(response.context["history"])
    assert [(c.step, c.changed_on, c.changed_by) for c in history] == [
        (Step.TOWARDS_JOB, day(10), bob),
        (Step.CLARIFICATION, REFERRED_ON, enrolment.referred_by),
    ]
    text = response.content.decode()
    assert 'id="step-history"' in text and str(bob) in text
    assert text.count("data-step=") == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"step": 2, "changed_on": "2999-01-01"}, "changed_on"),  # in the future
        ({"step": 2, "changed_on": "2025-03-02"}, "changed_on"),  # before the start form (the action)
        ({"step": 1, "changed_on": "2025-04-01"}, "step"),  # already in step 1
        ({"step": 4, "changed_on": "2025-04-01"}, "step"),  # ending is the end form's job
        ({"step": 2, "changed_on": ""}, "changed_on"),
    ],
)
def test_a_refused_step_change_is_shown_next_to_its_field_and_saves_nothing(client, enrolment, alice, data, field):
    before = row_counts()
    response = english(client, alice).post(url("enrolment_step", enrolment), data)
    assert response.status_code == 200
    assert list(errors(response)) == [field]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert row_counts() == before


def test_a_step_cannot_change_before_the_last_change(client, enrolment, alice, caseworker):
    actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(20))
    before = row_counts()
    response = english(client, alice).post(url("enrolment_step", enrolment), {"step": 3, "changed_on": day(19)})
    assert errors(response) == {"changed_on": ["The date is before the last step change."]}
    assert row_counts() == before


def test_an_ended_course_shows_its_history_but_no_step_form(client, enrolment, alice, caseworker):
    end(enrolment, caseworker)
    response = english(client, alice).get(url("enrolment_step", enrolment))
    assert 'id="step-form"' not in response.content.decode()
    before = row_counts()
    response = client.post(url("enrolment_step", enrolment), {"step": 2, "changed_on": day(100)})
    assert response.context["form"].non_field_errors() == ["The enrolment has ended; record a new referral instead."]
    assert row_counts() == before


# --- End form ---------------------------------------------------------------------------------------------------


def test_the_end_form_ends_the_course_in_step_4_with_an_outcome(client, enrolment, alice):
    response = english(client, alice).post(
        url("enrolment_end", enrolment), {"ended_on": day(90), "status": "flex_job", "note": "Fleksjob hos kommunen"}
    )
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    enrolment.refresh_from_db()
    assert (enrolment.ended_on, enrolment.current_step) == (day(90), Step.ENDED)
    assert list(enrolment.outcomes.values_list("kind", "measured_on", "status", "note", "registered_by")) == [
        (Outcome.Kind.EXIT, day(90), OutcomeStatus.FLEX_JOB, "Fleksjob hos kommunen", alice.pk)
    ]
    assert enrolment.step_changes.last().changed_by == alice


def test_the_end_form_does_not_offer_still_in_the_programme_and_refuses_it(client, enrolment, alice):
    response = english(client, alice).get(url("enrolment_end", enrolment))
    offered = [value for value, _label in response.context["form"].fields["status"].choices if value]
    assert offered == ["ordinary_job", "flex_job", "education", "benefit", "early_pension", "other"]
    before = row_counts()
    response = client.post(url("enrolment_end", enrolment), {"ended_on": day(90), "status": "in_programme"})
    assert list(errors(response)) == ["status"]
    assert row_counts() == before


def test_the_end_form_action_refuses_still_in_the_programme_and_unknown_statuses(enrolment, caseworker):
    before = row_counts()
    for status in (OutcomeStatus.IN_PROGRAMME, "retired_to_spain"):
        with pytest.raises(ValidationError) as refused:
            end(enrolment, caseworker, status=status)
        assert list(refused.value.message_dict) == ["status"]
    assert row_counts() == before
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ended_on": "2999-01-01", "status": "education"}, "ended_on"),
        ({"ended_on": "2025-03-02", "status": "education"}, "ended_on"),  # before the start form (the action)
        ({"ended_on": "2025-06-30", "status": ""}, "status"),
        ({"ended_on": "", "status": "education"}, "ended_on"),
    ],
)
def test_a_refused_end_form_is_shown_next_to_its_field_and_saves_nothing(client, enrolment, alice, data, field):
    before = row_counts()
    response = english(client, alice).post(url("enrolment_end", enrolment), data)
    assert list(errors(response)) == [field]
    assert row_counts() == before
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_the_end_form_is_refused_while_a_placement_runs_listing_it(client, enrolment, alice, start, company):
    placement = start(enrolment, starts_on=day(14))
    response = english(client, alice).get(url("enrolment_end", enrolment))
    text = response.content.decode()
    assert 'id="running-placements"' in text and f'data-placement="{placement.pk}"' in text
    assert f'href="{citizen_url(enrolment)}"' in text

    before = row_counts()
    response = client.post(url("enrolment_end", enrolment), {"ended_on": day(90), "status": "ordinary_job"})
    [message] = response.context["form"].non_field_errors()
    assert message.startswith("End the running placements before the end form:") and company.name in message
    assert row_counts() == before
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_a_placement_ending_after_the_exit_date_also_blocks_the_exit(enrolment, alice, caseworker, start):
    placement = start(enrolment, starts_on=day(14))
    actions.end_placement(acting_user=alice, placement=placement, ended_on=day(60), reason=PlacementEndReason.HIRED)
    before = row_counts()
    with pytest.raises(ValidationError):
        end(enrolment, caseworker, on=day(59))
    assert row_counts() == before
    end(enrolment, caseworker, on=day(60))
    assert Enrolment.objects.get(pk=enrolment.pk).current_step == Step.ENDED


def test_an_ended_course_sends_the_end_form_back_to_the_citizen_page(client, enrolment, alice, caseworker):
    end(enrolment, caseworker)
    before = row_counts()
    response = english(client, alice).post(url("enrolment_end", enrolment), {"ended_on": day(100), "status": "other"})
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    assert row_counts() == before


# --- Follow-up ---------------------------------------------------------------------------------------------------


def test_a_follow_up_is_recorded_at_a_later_date_and_listed_on_the_citizen_page(client, enrolment, alice, caseworker):
    end(enrolment, caseworker, status=OutcomeStatus.BENEFIT)
    response = english(client, alice).post(
        url("enrolment_follow_up", enrolment), {"measured_on": day(180), "status": "ordinary_job"}
    )
    assert response.status_code == 302
    assert list(enrolment.outcomes.values_list("kind", "measured_on", "status", "registered_by")) == [
        (Outcome.Kind.EXIT, day(90), OutcomeStatus.BENEFIT, caseworker.pk),
        (Outcome.Kind.FOLLOW_UP, day(180), OutcomeStatus.ORDINARY_JOB, alice.pk),
    ]
    page = client.get(citizen_url(enrolment)).content.decode()
    assert page.count('data-outcome="exit"') == 1 and page.count('data-outcome="follow_up"') == 1
    assert f'href="{url("enrolment_follow_up", enrolment)}"' in page


@pytest.mark.parametrize(
    ("measured_on", "message"),
    [
        ("2025-05-31", "A follow-up cannot be dated before the end form date."),  # the end form is 01.06.2025
        ("2999-01-01", "The date cannot be in the future."),
    ],
)
def test_a_follow_up_cannot_be_dated_before_the_end_form_or_in_the_future(
    client, enrolment, alice, caseworker, measured_on, message
):
    end(enrolment, caseworker, on=day(90))
    assert day(90) == D(2025, 6, 1)
    before = row_counts()
    response = english(client, alice).post(
        url("enrolment_follow_up", enrolment), {"measured_on": measured_on, "status": "education"}
    )
    assert errors(response) == {"measured_on": [message]}
    assert row_counts() == before


def test_a_follow_up_comes_after_the_end_form(client, enrolment, alice):
    before = row_counts()
    response = english(client, alice).post(
        url("enrolment_follow_up", enrolment), {"measured_on": day(10), "status": "education"}
    )
    assert response.status_code == 302 and response["Location"] == citizen_url(enrolment)
    assert row_counts() == before


# --- Aftercare after exit ------------------------------------------------------------------------------------------


def test_after_the_end_form_only_aftercare_contacts_are_taken(enrolment, alice, caseworker):
    end(enrolment, caseworker, on=day(90))
    aftercare = actions.log_contact(
        acting_user=alice, enrolment=enrolment, kind=Contact.Kind.AFTERCARE, occurred_on=day(120)
    )
    assert aftercare.pk
    before = row_counts()
    for kind in (Contact.Kind.CONVERSATION, Contact.Kind.PHONE, Contact.Kind.MONTHLY_FOLLOW_UP):
        with pytest.raises(ValidationError) as refused:
            actions.log_contact(acting_user=alice, enrolment=enrolment, kind=kind, occurred_on=day(91))
        assert refused.value.message_dict == {"kind": ["After the end form only aftercare contacts can be registered."]}
    assert row_counts() == before
    # On the day of the end form itself, any contact still belongs to the course.
    actions.log_contact(acting_user=alice, enrolment=enrolment, kind=Contact.Kind.CONVERSATION, occurred_on=day(90))


# --- The actions on the citizen page ---------------------------------------------------------------------------------


def actions_of(response, enrolment):
    text = response.content.decode()
    marker = f'data-enrolment-actions="{enrolment.pk}"'
    if marker not in text:
        return None
    block = text.split(marker, 1)[1].split("</ul>", 1)[0]
    return [part.split('"', 1)[0] for part in block.split('data-action="')[1:]]


def test_an_active_course_offers_upskilling_first_then_step_and_end_form(client, enrolment, alice):
    response = english(client, alice).get(citizen_url(enrolment))
    assert actions_of(response, enrolment) == ["upskilling", "step", "end"]
    text = response.content.decode()
    for name in ("enrolment_upskilling", "enrolment_step", "enrolment_end"):
        assert f'href="{url(name, enrolment)}"' in text


def test_an_ended_course_offers_a_follow_up_only(client, enrolment, alice, caseworker):
    end(enrolment, caseworker)
    assert actions_of(english(client, alice).get(citizen_url(enrolment)), enrolment) == ["follow-up"]


@pytest.mark.parametrize("who", ["manager", "coordinator"])
def test_roles_without_case_work_see_no_case_work_links(client, world, who):
    response = english(client, getattr(world, who)).get(citizen_url(world.alices_enrolment))
    assert response.status_code == 200
    assert actions_of(response, world.alices_enrolment) is None


def test_the_timeline_shows_the_referral_step_changes_with_who_the_end_form_and_the_follow_up(
    client, enrolment, alice, bob, caseworker
):
    actions.change_step(acting_user=bob, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day(10))
    end(enrolment, alice, on=day(90), status=OutcomeStatus.BENEFIT)
    actions.record_follow_up(
        acting_user=caseworker, enrolment=enrolment, measured_on=day(200), status=OutcomeStatus.EDUCATION
    )
    events = english(client, alice).get(citizen_url(enrolment)).context["events"]
    seen = [(e.on, e.kind, e.title, e.detail) for e in events if e.kind in {"referral", "step", "outcome"}]
    assert seen == [
        (day(200), "outcome", "Follow-up", "Education"),
        (day(90), "step", "Ended", f"by {alice}"),
        (day(90), "outcome", "End form", "Still on benefit"),
        (day(10), "step", "Step 2 – towards a job", f"by {bob}"),
        (REFERRED_ON, "referral", "Referral (start form)", f"Referred to {enrolment.programme}, {enrolment.site}"),
        # The referral's step change stores no text, so the timeline reads the same in any language.
        (REFERRED_ON, "step", "Step 1 – clarification", f"by {caseworker}"),
    ]


def test_the_step_form_suggests_the_usual_next_step(client, enrolment, alice, start):
    client.force_login(alice)
    assert client.get(url("enrolment_step", enrolment)).context["form"].initial["step"] == Step.TOWARDS_JOB
    start(enrolment, starts_on=day(14))
    assert client.get(url("enrolment_step", enrolment)).context["form"].initial["step"] == Step.TOWARDS_JOB
