"""Consents as history: the one rule "has consent of kind K on date D", giving and withdrawing through the actions
(who may, what is refused, what is kept), and the citizen page's consents section and recording pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.audit.models import Action, ChangeLog
from jobbro.conftest import REFERRED_ON, rolled_back
from jobbro.days import today
from jobbro.people import actions, consent
from jobbro.people.models import Citizen, Consent, ConsentKind, ConsentManner, consent_in_force_on

DAY = datetime.timedelta(days=1)
BASE = datetime.date(2025, 1, 1)
KINDS = list(ConsentKind)


@pytest.fixture
def never_asked(refer, alice):
    """A citizen of alice's with no consent recorded at all."""
    return refer(first_name="Ida", last_name="Uspurgt", job_broker=alice, consents=()).citizen


def give(user, citizen, kind=ConsentKind.DATA_SHARING, on=None, manner=ConsentManner.WRITTEN, **extra):
    return actions.give_consent(
        acting_user=user, citizen=citizen, kind=kind, on=on or REFERRED_ON, manner=manner, **extra
    )


def withdraw(user, citizen, kind=ConsentKind.DATA_SHARING, on=None, manner=ConsentManner.ORAL, **extra):
    return actions.withdraw_consent(
        acting_user=user, citizen=citizen, kind=kind, on=on or REFERRED_ON, manner=manner, **extra
    )


# --- The rule ---------------------------------------------------------------------------------------------------


def expected(events, kind, on):
    """The rule in plain words over the history: the latest entry of the kind dated on or before the day decides
    (of two on the same day, the one recorded later); no entry means never asked."""
    state = False
    for _n, (event_kind, day, given_) in sorted(enumerate(events), key=lambda pair: (pair[1][1], pair[0])):
        if event_kind == kind and day <= on:
            state = given_
    return state


event = st.tuples(st.sampled_from(KINDS), st.integers(0, 60).map(lambda n: BASE + n * DAY), st.booleans())


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(events=st.lists(event, max_size=8), days=st.lists(st.integers(-2, 63), min_size=1, max_size=4))
def test_has_consent_on_a_date_follows_the_newest_entry_on_or_before_it(never_asked, events, days):
    with rolled_back():
        for kind, on, given_ in events:  # recorded in this order: on the same date the later one wins
            Consent.objects.create(citizen=never_asked, kind=kind, on=on, given=given_)
        rows = consent.history(never_asked)
        for n in days:
            on = BASE + n * DAY
            holding = consent.newest_rows(rows, on)
            for kind in KINDS:
                want = expected(events, kind, on)
                assert consent.has_consent(never_asked, kind, on) is want, (kind, on)
                in_queryset = Citizen.objects.filter(pk=never_asked.pk).filter(consent_in_force_on(kind, on)).exists()
                assert in_queryset is want
                assert bool(holding[kind] and holding[kind].given) is want


# --- Giving and withdrawing -------------------------------------------------------------------------------------


def test_give_withdraw_and_give_again_are_three_rows_with_who_and_how(world, never_asked):
    alice = world.alice
    give(alice, never_asked, on=REFERRED_ON, reference="J.nr. 2025-114/3")
    withdraw(alice, never_asked, on=REFERRED_ON + 10 * DAY)
    give(alice, never_asked, on=REFERRED_ON + 20 * DAY, manner=ConsentManner.DIGITAL)
    rows = consent.history(never_asked)
    assert [(r.given, r.on, r.manner, r.recorded_by) for r in rows] == [
        (True, REFERRED_ON, "written", alice),
        (False, REFERRED_ON + 10 * DAY, "oral", alice),
        (True, REFERRED_ON + 20 * DAY, "digital", alice),
    ]
    assert rows[0].reference == "J.nr. 2025-114/3"
    kind = ConsentKind.DATA_SHARING
    assert consent.has_consent(never_asked, kind, REFERRED_ON + 9 * DAY)
    assert not consent.has_consent(never_asked, kind, REFERRED_ON + 10 * DAY)
    assert consent.has_consent(never_asked, kind, REFERRED_ON + 20 * DAY)
    assert not consent.has_consent(never_asked, ConsentKind.EVALUATION, REFERRED_ON + 20 * DAY)
    logged = ChangeLog.objects.filter(citizen_ref=never_asked.pk, object_type="consent").order_by("pk")
    assert [row.action for row in logged] == [Action.GIVE_CONSENT, Action.WITHDRAW_CONSENT, Action.GIVE_CONSENT]
    assert logged[0].changes == {"kind": "data_sharing", "given": True, "on": "2025-03-03", "manner": "written"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "marketing"}, "kind"),
        ({"manner": ""}, "manner"),
        ({"on": None}, "on"),
        ({"on": today() + DAY}, "on"),
        ({"reference": "Borgeren var ked af det; se notat"}, "reference"),
        ({"reference": "1" * 41}, "reference"),
    ],
)
def test_a_consent_is_refused_with_the_field_that_is_wrong_and_nothing_is_written(world, never_asked, arguments, field):
    values = {"kind": ConsentKind.DATA_SHARING, "on": REFERRED_ON, "manner": ConsentManner.WRITTEN, **arguments}
    with pytest.raises(ValidationError) as refused:
        actions.give_consent(acting_user=world.alice, citizen=never_asked, **values)
    assert field in refused.value.message_dict
    assert not Consent.objects.filter(citizen=never_asked).exists()


def test_the_history_only_moves_forward_and_each_entry_must_change_the_state(world, never_asked):
    alice = world.alice
    with pytest.raises(ValidationError, match="kan ikke tilbagekaldes"):
        withdraw(alice, never_asked)
    give(alice, never_asked, on=REFERRED_ON + 5 * DAY)
    with pytest.raises(ValidationError, match="allerede givet"):
        give(alice, never_asked, on=REFERRED_ON + 6 * DAY)
    with pytest.raises(ValidationError) as refused:
        withdraw(alice, never_asked, on=REFERRED_ON + 4 * DAY)
    assert "08.03.2025" in refused.value.message_dict["on"][0]
    withdraw(alice, never_asked, on=REFERRED_ON + 5 * DAY)  # the same day: recorded later, it holds
    assert not consent.has_consent(never_asked, ConsentKind.DATA_SHARING, REFERRED_ON + 5 * DAY)
    assert Consent.objects.filter(citizen=never_asked).count() == 2


@pytest.mark.parametrize("who", ["charlie", "coordinator", "manager", "evaluator"])
def test_only_case_work_roles_that_see_the_citizen_record_consents(world, never_asked, who):
    with pytest.raises(PermissionDenied):
        give(getattr(world, who), never_asked)
    assert not Consent.objects.filter(citizen=never_asked).exists()


@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_job_brokers_colleagues_caseworkers_and_administrators_record_consents(world, never_asked, who):
    assert give(getattr(world, who), never_asked).recorded_by == getattr(world, who)


# --- The pages --------------------------------------------------------------------------------------------------


def section(response):
    html = response.content.decode()
    return html[html.index('id="consents"') : html.index("</section>", html.index('id="consents"'))]


def test_the_citizen_page_shows_each_consent_given_withdrawn_or_never_asked_with_its_history(client, world):
    citizen = world.alices_citizen  # referred with the usual consents to sharing and the evaluation
    withdraw(world.alice, citizen, kind=ConsentKind.EVALUATION, on=REFERRED_ON + 3 * DAY)
    client.force_login(world.alice)
    html = section(client.get(reverse("citizen_detail", args=[citizen.pk])))
    assert 'data-consent-kind="data_sharing" data-consent-state="given"' in html
    assert 'data-consent-kind="evaluation" data-consent-state="withdrawn"' in html
    assert 'data-consent-kind="treatment_contact" data-consent-state="never_asked"' in html
    assert "Aldrig spurgt" in html and "Tilbagekaldt" in html and "03.03.2025 (Skriftligt)" in html
    assert reverse("consent_withdraw", args=[citizen.pk, "data_sharing"]) in html
    assert reverse("consent_give", args=[citizen.pk, "treatment_contact"]) in html
    assert html.count("data-consent-row=") == 3


def test_roles_without_the_capability_see_the_consents_without_the_buttons(client, world):
    client.force_login(world.coordinator)
    html = section(client.get(reverse("citizen_detail", args=[world.alices_citizen.pk])))
    assert 'data-consent-state="given"' in html
    assert "/consents/" not in html


def test_recording_a_consent_on_its_page_writes_the_row_and_returns_to_the_citizen(client, world, never_asked):
    client.force_login(world.alice)
    url = reverse("consent_give", args=[never_asked.pk, "treatment_contact"])
    assert "Registrér samtykke" in client.get(url).content.decode()
    response = client.post(url, {"on": "01.04.2025", "manner": "oral", "reference": ""})
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("citizen_detail", args=[never_asked.pk]) + "#consents")
    row = Consent.objects.get(citizen=never_asked)
    assert (row.kind, row.given, row.on, row.manner) == ("treatment_contact", True, datetime.date(2025, 4, 1), "oral")
    # Withdrawing one that is not given is refused on the page, with the action's message, and writes nothing.
    refused = client.post(
        reverse("consent_withdraw", args=[never_asked.pk, "evaluation"]), {"on": "02.04.2025", "manner": "oral"}
    )
    assert refused.status_code == 200
    assert "kan ikke tilbagekaldes" in refused.content.decode()
    assert Consent.objects.filter(citizen=never_asked).count() == 1


@pytest.mark.parametrize(("who", "name"), [("charlie", "consent_give"), ("coordinator", "consent_withdraw")])
def test_the_recording_pages_are_not_found_for_outsiders_and_roles_without_the_capability(client, world, who, name):
    client.force_login(getattr(world, who))
    url = reverse(name, args=[world.alices_citizen.pk, "data_sharing"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"on": "01.04.2025", "manner": "oral"}).status_code == 404
    assert Consent.objects.filter(citizen=world.alices_citizen).count() == 2


def test_an_unknown_consent_kind_is_not_found(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("consent_give", args=[world.alices_citizen.pk, "marketing"])).status_code == 404
