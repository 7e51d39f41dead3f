"""A contact with a treatment or support provider is registered only with the citizen's consent to it on the contact's
date (cases.actions.log_contact, so the contact page and the import are both covered); the page says so first."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobbro.cases import actions
from jobbro.cases.models import Contact
from jobbro.conftest import REFERRED_ON
from jobbro.people import actions as people_actions
from jobbro.people.models import ConsentKind

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TREATMENT = Contact.Kind.TREATMENT_CONTACT


def log(user, enrolment, on, kind=TREATMENT):
    return actions.log_contact(acting_user=user, enrolment=enrolment, kind=kind, occurred_on=on, staff=[user])


def test_refused_without_consent_allowed_with_it_and_refused_after_withdrawal(alice, alices_enrolment):
    citizen = alices_enrolment.citizen
    with pytest.raises(ValidationError) as refused:
        log(alice, alices_enrolment, REFERRED_ON + 5 * DAY)
    assert "Kontakt til behandlings- og støttetilbud" in refused.value.message_dict["kind"][0]
    assert not Contact.objects.filter(kind=TREATMENT).exists()

    people_actions.give_consent(
        acting_user=alice,
        citizen=citizen,
        kind=ConsentKind.CONTACT_WITH_TREATMENT,
        on=REFERRED_ON + 5 * DAY,
        manner="written",
    )
    log(alice, alices_enrolment, REFERRED_ON + 5 * DAY)
    people_actions.withdraw_consent(
        acting_user=alice,
        citizen=citizen,
        kind=ConsentKind.CONTACT_WITH_TREATMENT,
        on=REFERRED_ON + 20 * DAY,
        manner="oral",
    )
    with pytest.raises(ValidationError):
        log(alice, alices_enrolment, REFERRED_ON + 20 * DAY)
    # A contact that happened while the consent held may still be registered afterwards; other kinds need nothing.
    log(alice, alices_enrolment, REFERRED_ON + 19 * DAY)
    log(alice, alices_enrolment, REFERRED_ON + 25 * DAY, kind=Contact.Kind.PHONE)
    assert Contact.objects.filter(kind=TREATMENT).count() == 2  # the one before the withdrawal stays


def test_the_contact_page_says_the_consent_is_missing_before_the_user_tries(client, alice, alices_enrolment):
    client.force_login(alice)
    url = reverse("contact_log", args=[alices_enrolment.citizen_id, alices_enrolment.pk])
    html = client.get(url).content.decode()
    assert "En kontakt med behandler kræver borgerens samtykke" in html
    response = client.post(
        url, {"kind": TREATMENT, "occurred_on": REFERRED_ON.strftime("%d.%m.%Y"), "staff": [alice.pk]}
    )
    assert response.status_code == 200
    assert "Registrér samtykket på borgersiden først" in response.content.decode()
    assert not Contact.objects.filter(kind=TREATMENT).exists()
