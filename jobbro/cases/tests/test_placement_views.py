"""Starting, reading, changing and ending placements through the pages, and the agreed-hours history.

Each write page answers 404 to everyone who may not do case work on the citizen (like a miss), a
refused form keeps the input and saves nothing, and every change leaves its history row.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.audit.models import AccessLog, ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import AgreedHoursChange, Placement, PlacementEndReason, PlacementKind, Step, StepChange
from jobbro.companies.models import CompanyContact
from jobbro.conftest import REFERRED_ON, make_company, make_opening, rolled_back

DB_EXAMPLES = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


def start_url(enrolment):
    return reverse("placement_start", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def detail_url(placement):
    return reverse("placement_detail", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})


def hours_url(placement):
    return reverse("placement_hours", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})


def end_url(placement):
    return reverse("placement_end", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})


def english(client):
    """The client with English chosen in the language switch (Danish is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def counts():
    return (
        Placement.objects.count(),
        StepChange.objects.count(),
        AgreedHoursChange.objects.count(),
        ChangeLog.objects.count(),
    )


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def placement(enrolment, start, alice):
    return start(
        enrolment,
        acting_user=alice,
        starts_on=day(7),
        agreed_ordinary_hours=None,
        ordinary_hours_condition="6 timer når hun kan stå alene",
        kind=PlacementKind.INTERNSHIP,
    )


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def form_data(company, **overrides):
    data = {
        "company": company.pk,
        "opening": "",
        "kind": PlacementKind.INTERNSHIP,
        "starts_on": day(10).isoformat(),
        "planned_end_on": day(38).isoformat(),
        "purpose": "Afprøve køkkenarbejde",
        "buddy": "",
        "agreed_ordinary_hours": "",
        "ordinary_hours_condition": "",
        "no_hours_reason": "",
    }
    data.update(overrides)
    return data


# --- Starting a placement --------------------------------------------------------------------------


def test_the_start_page_searches_companies_network_first_and_groups_every_buddy_by_company(
    as_alice, enrolment, company, buddy, programme
):
    outsider = make_company("Zebra Rengøring")  # no network agreement
    CompanyContact.objects.create(company=outsider, name="Olga Outside", is_buddy=True)
    CompanyContact.objects.create(company=company, name="Not A Buddy", is_buddy=False)
    html = english(as_alice).get(start_url(enrolment)).content.decode()
    # The company is a searchable field (jobbro/pickers.py) whose matches put the programme's network first.
    assert f'data-url="{reverse("pick_companies")}?programme={programme.pk}"' in html
    assert 'id="id_company"' in html and 'role="combobox"' in html
    found = as_alice.get(reverse("pick_companies"), {"q": "a", "programme": programme.pk}).json()["results"]
    assert [row["id"] for row in found] == [company.pk, outsider.pk]
    # Without a chosen company every buddy is offered, grouped under its company; non-buddies never.
    assert f'<optgroup label="{company.name}">' in html and f'<optgroup label="{outsider.name}">' in html
    assert "Birgit Buddy" in html and "Olga Outside" in html and "Not A Buddy" not in html
    assert 'hx-get="' + start_url(enrolment) + '"' in html


def test_choosing_a_company_narrows_openings_and_buddies_to_it(as_alice, enrolment, company, buddy, programme):
    other = make_company("Grillbaren", programme=programme)
    CompanyContact.objects.create(company=other, name="Gitte Grill", is_buddy=True)
    make_opening(company, programme, "Opvask om formiddagen")
    make_opening(other, programme, "Grillassistent")
    html = as_alice.get(start_url(enrolment), {"company": other.pk}).content.decode()
    fields = html[html.index('id="jb-company-fields"') :]
    assert "Gitte Grill" in fields and "Grillassistent" in fields
    assert "Birgit Buddy" not in fields and "Opvask om formiddagen" not in fields


def test_starting_from_an_opening_fills_in_company_and_buddy(as_alice, enrolment, company, buddy, programme):
    opening = make_opening(company, programme, "Opvask", buddy=buddy)
    html = as_alice.get(start_url(enrolment), {"opening": opening.pk}).content.decode()
    # The company is a searchable field: its hidden input holds the chosen id, its text input the name.
    assert f'name="company" id="id_company-value" value="{company.pk}"' in html
    assert f'value="{company.name}"' in html
    assert f'<option value="{buddy.pk}" selected>' in html
    assert f'<option value="{opening.pk}" selected>' in html


def test_a_job_broker_starts_a_placement_with_a_condition_and_a_buddy_and_the_citizen_moves_to_step_3(
    as_alice, alice, enrolment, company, buddy
):
    data = form_data(company, buddy=buddy.pk, ordinary_hours_condition="Efter 4 uger: 6 betalte timer om ugen")
    response = as_alice.post(start_url(enrolment), data)
    placement = Placement.objects.get(enrolment=enrolment)
    assert response.status_code == 302 and response["Location"] == detail_url(placement)
    assert (placement.buddy, placement.kind, placement.starts_on) == (buddy, PlacementKind.INTERNSHIP, day(10))
    assert placement.agreed_ordinary_hours is None and placement.ordinary_hours_condition.startswith("Efter 4 uger")
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.IN_COMPANY
    last = enrolment.step_changes.order_by("-changed_on", "-id").first()
    assert (last.step, last.changed_on, last.changed_by) == (Step.IN_COMPANY, day(10), alice)
    assert ChangeLog.objects.filter(action="start_placement", object_id=str(placement.pk), user=alice).exists()


def test_agreed_hours_may_be_typed_with_a_danish_comma(as_alice, enrolment, company):
    as_alice.post(start_url(enrolment), form_data(company, agreed_ordinary_hours="7,5"))  # Danish is the default
    assert Placement.objects.get(enrolment=enrolment).agreed_ordinary_hours == Decimal("7.5")


def test_a_placement_with_neither_hours_condition_nor_reason_shows_the_rule_next_to_the_field_and_saves_nothing(
    as_alice, enrolment, company
):
    before = counts()
    response = english(as_alice).post(start_url(enrolment), form_data(company, purpose="Mit eget formål"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_agreed_ordinary_hours-error"' in html
    assert "Agree ordinary hours, write the condition for them, or give the reason" in html
    assert "Mit eget formål" in html, "the input is kept"
    assert counts() == before
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.CLARIFICATION


def test_the_form_explains_the_agreement_rule_before_anyone_errs(as_alice, enrolment):
    html = as_alice.get(start_url(enrolment)).content.decode()
    assert 'id="agreement-rule"' in html and 'aria-describedby="agreement-rule"' in html


def test_a_buddy_from_another_company_is_refused_next_to_the_buddy(as_alice, enrolment, company, social_company):
    stranger = CompanyContact.objects.create(company=social_company, name="Anden Buddy", is_buddy=True)
    before = counts()
    response = as_alice.post(
        start_url(enrolment), form_data(company, buddy=stranger.pk, no_hours_reason="Afklaring først")
    )
    assert response.status_code == 200
    assert 'id="id_buddy-error"' in response.content.decode()
    assert counts() == before


def test_an_opening_of_another_company_is_refused(alice, enrolment, company, social_company, programme):
    opening = make_opening(social_company, programme, "Gartner")
    with pytest.raises(ValidationError) as caught:
        actions.start_placement(
            acting_user=alice,
            enrolment=enrolment,
            company=company,
            opening=opening,
            kind=PlacementKind.INTERNSHIP,
            starts_on=day(10),
            no_hours_reason="Afklaring",
        )
    assert "opening" in caught.value.message_dict
    assert not Placement.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "caseworker", "administrator"])
def test_case_workers_on_the_citizen_may_open_the_start_page(client, world, company, who):
    client.force_login(getattr(world, who))
    assert client.get(start_url(world.alices_enrolment)).status_code == 200


@pytest.mark.parametrize("who", ["charlie", "outside_caseworker", "manager", "coordinator", "evaluator", "mentor"])
def test_everyone_else_gets_not_found_on_the_start_page_and_cannot_post(client, world, company, who):
    client.force_login(getattr(world, who))
    url = start_url(world.alices_enrolment)
    before = counts()
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(company, agreed_ordinary_hours="5")).status_code == 404
    assert counts() == before
    assert AccessLog.objects.filter(user=getattr(world, who), view="placement_start", status_code=404).count() == 2


def test_an_enrolment_of_another_citizen_is_not_found(as_alice, world):
    url = reverse(
        "placement_start", kwargs={"citizen_pk": world.alices_citizen.pk, "enrolment_pk": world.bobs_enrolment.pk}
    )
    assert as_alice.get(url).status_code == 404


# --- The placement page -------------------------------------------------------------------------------


def test_the_written_agreement_is_visible_to_everyone_on_the_case(client, world, start, buddy):
    placement = start(
        world.alices_enrolment, agreed_ordinary_hours=None, buddy=buddy, ordinary_hours_condition="Når hun kan selv"
    )
    for who in ("alice", "bob", "caseworker", "coordinator", "manager"):
        client.force_login(getattr(world, who))
        response = client.get(detail_url(placement))
        assert response.status_code == 200, who
        html = response.content.decode()
        assert "Når hun kan selv" in html and "Birgit Buddy" in html
    for who in ("charlie", "evaluator", "mentor", "outside_caseworker"):
        client.force_login(getattr(world, who))
        assert client.get(detail_url(placement)).status_code == 404, who


def test_a_placement_is_not_found_under_another_citizen(as_alice, world, start):
    placement = start(world.alices_enrolment)
    url = reverse("placement_detail", kwargs={"citizen_pk": world.bobs_citizen.pk, "pk": placement.pk})
    assert as_alice.get(url).status_code == 404


def test_the_placement_page_shows_the_weeks_with_ordinary_and_internship_hours_apart(as_alice, alice, placement):
    actions.register_hours(
        acting_user=alice, placement=placement, week_start=day(7), ordinary_hours=2, internship_hours=10
    )
    actions.register_hours(
        acting_user=alice, placement=placement, week_start=day(14), ordinary_hours="3,5", internship_hours=12
    )
    html = as_alice.get(detail_url(placement)).content.decode()
    weeks = html[html.index('id="weeks"') :]
    assert weeks.count("data-week=") == 2
    assert "5,5" in weeks or "5.5" in weeks  # the ordinary total
    assert "22" in weeks  # the internship total


def test_the_end_note_is_hidden_from_those_who_may_not_read_case_notes(client, world, start):
    placement = start(world.alices_enrolment)
    actions.end_placement(
        acting_user=world.alice,
        placement=placement,
        ended_on=day(30),
        reason=PlacementEndReason.ILLNESS,
        note="Indlagt på psykiatrisk afdeling",
    )
    client.force_login(world.manager)
    assert "psykiatrisk" not in client.get(detail_url(placement)).content.decode()
    client.force_login(world.alice)
    assert "psykiatrisk" in client.get(detail_url(placement)).content.decode()


# --- Changing the agreed hours -------------------------------------------------------------------------


def test_changing_hours_keeps_the_start_agreement_and_every_change(as_alice, alice, enrolment, start):
    placement = start(enrolment, starts_on=day(7), agreed_ordinary_hours=2)
    response = as_alice.post(
        hours_url(placement), {"from_date": day(21).isoformat(), "ordinary_hours": "4", "internship_hours": "10"}
    )
    assert response.status_code == 302
    as_alice.post(
        hours_url(placement), {"from_date": day(35).isoformat(), "ordinary_hours": "8", "internship_hours": ""}
    )
    rows = list(
        placement.hours_changes.order_by("from_date", "id").values_list(
            "from_date", "ordinary_hours", "internship_hours", "changed_by"
        )
    )
    assert rows == [
        (day(7), Decimal("2"), Decimal("0"), None),
        (day(21), Decimal("4"), Decimal("10"), alice.pk),
        (day(35), Decimal("8"), Decimal("0"), alice.pk),
    ]
    placement.refresh_from_db()
    assert placement.agreed_ordinary_hours == Decimal("8")
    assert ChangeLog.objects.filter(action="change_agreed_hours", object_id=str(placement.pk)).count() == 2
    html = as_alice.get(detail_url(placement)).content.decode()
    assert html[html.index('id="hours-history"') :].count("data-from=") == 3
    assert 'id="agreement-start-hours" data-hours="2.0"' in html


def test_a_placement_with_a_condition_gets_its_first_hours_without_an_invented_start_row(as_alice, alice, placement):
    actions.change_agreed_hours(
        acting_user=alice, placement=placement, from_date=day(30), ordinary_hours=6, internship_hours=20
    )
    assert list(placement.hours_changes.values_list("from_date", "ordinary_hours")) == [(day(30), Decimal("6"))]
    placement.refresh_from_db()
    assert placement.agreed_ordinary_hours == Decimal("6")
    assert placement.ordinary_hours_condition, "the written condition stays on the record"
    html = as_alice.get(detail_url(placement)).content.decode()
    assert 'id="agreement-start-hours" data-hours=""' in html and 'id="agreement-hours" data-hours="6.0"' in html


@pytest.mark.parametrize(
    ("from_day", "field"),
    [(6, "from_date"), (60, "from_date"), (20, "from_date")],
    ids=["before the start", "after the end", "before the last change"],
)
def test_a_change_of_hours_outside_the_placement_or_before_the_last_change_is_refused(
    alice, placement, from_day, field
):
    actions.change_agreed_hours(acting_user=alice, placement=placement, from_date=day(25), ordinary_hours=4)
    actions.end_placement(
        acting_user=alice,
        placement=placement,
        ended_on=day(50),
        reason=PlacementEndReason.COMPLETED,
        back_to_step_2=False,
    )
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.change_agreed_hours(acting_user=alice, placement=placement, from_date=day(from_day), ordinary_hours=5)
    assert field in caught.value.message_dict
    assert counts() == before


hours = st.integers(0, 600).map(lambda tenths: Decimal(tenths) / 10)
bad_hours = st.one_of(
    st.integers(601, 9999).map(lambda tenths: Decimal(tenths) / 10),
    st.integers(-9999, -1).map(lambda tenths: Decimal(tenths) / 10),
    st.integers(0, 6000)
    .map(lambda hundredths: Decimal(hundredths) / 100)
    .filter(lambda d: d != d.quantize(Decimal("0.1"))),
)


@DB_EXAMPLES
@given(ordinary=hours, internship_tenths=st.integers(0, 600), as_text=st.booleans())
def test_any_hours_from_0_to_60_are_agreed_exactly_and_become_the_current_agreement(
    placement, alice, ordinary, internship_tenths, as_text
):
    # A week holds at most 60 ordinary and internship hours together (cases/rules.py).
    internship = min(Decimal(internship_tenths) / 10, 60 - ordinary)
    typed = (str(ordinary).replace(".", ","), str(internship)) if as_text else (ordinary, internship)
    with rolled_back():
        fresh = Placement.objects.get(pk=placement.pk)  # the action updates the object it is given
        actions.change_agreed_hours(
            acting_user=alice, placement=fresh, from_date=day(14), ordinary_hours=typed[0], internship_hours=typed[1]
        )
        change = fresh.hours_changes.get()
        assert (change.ordinary_hours, change.internship_hours) == (ordinary, internship)
        assert Placement.objects.get(pk=placement.pk).agreed_ordinary_hours == ordinary


@DB_EXAMPLES
@given(bad=bad_hours, good=hours, bad_is_ordinary=st.booleans())
def test_hours_outside_0_to_60_or_with_two_decimals_are_refused_and_nothing_changes(
    placement, alice, bad, good, bad_is_ordinary
):
    with rolled_back():
        before = counts()
        ordinary, internship = (bad, good) if bad_is_ordinary else (good, bad)
        with pytest.raises(ValidationError) as caught:
            actions.change_agreed_hours(
                acting_user=alice,
                placement=Placement.objects.get(pk=placement.pk),
                from_date=day(14),
                ordinary_hours=ordinary,
                internship_hours=internship,
            )
        assert ("ordinary_hours" if bad_is_ordinary else "internship_hours") in caught.value.message_dict
        assert counts() == before
        assert Placement.objects.get(pk=placement.pk).agreed_ordinary_hours is None


def test_a_refused_change_of_hours_is_shown_next_to_the_field_and_saves_nothing(as_alice, placement):
    before = counts()
    response = as_alice.post(
        hours_url(placement), {"from_date": day(14).isoformat(), "ordinary_hours": "61", "internship_hours": "0"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_ordinary_hours-error"' in html and 'value="61"' in html
    assert counts() == before


@pytest.mark.parametrize("who", ["manager", "coordinator", "evaluator", "charlie"])
def test_only_case_workers_may_change_hours_or_end_a_placement(client, world, start, who):
    placement = start(world.alices_enrolment)
    client.force_login(getattr(world, who))
    before = counts()
    assert client.get(hours_url(placement)).status_code == 404
    assert (
        client.post(hours_url(placement), {"from_date": day(20).isoformat(), "ordinary_hours": "4"}).status_code == 404
    )
    assert client.get(end_url(placement)).status_code == 404
    assert (
        client.post(
            end_url(placement), {"ended_on": day(20).isoformat(), "reason": "other", "back_to_step_2": "on"}
        ).status_code
        == 404
    )
    assert counts() == before


# --- Ending a placement -----------------------------------------------------------------------------------


def test_ending_a_broken_placement_sends_the_citizen_back_to_step_2_and_keeps_the_step_history(
    as_alice, alice, enrolment, placement
):
    response = as_alice.post(
        end_url(placement),
        {
            "ended_on": day(20).isoformat(),
            "reason": PlacementEndReason.NOT_A_MATCH,
            "note": "Kemien passede ikke",
            "back_to_step_2": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})
    placement.refresh_from_db()
    assert (placement.ended_on, placement.end_reason, placement.end_note) == (
        day(20),
        "not_a_match",
        "Kemien passede ikke",
    )
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.TOWARDS_JOB
    steps = list(enrolment.step_changes.order_by("changed_on", "id").values_list("step", "changed_on", "changed_by"))
    assert steps[-2:] == [(Step.IN_COMPANY, day(7), alice.pk), (Step.TOWARDS_JOB, day(20), alice.pk)]


def test_ending_without_the_tick_keeps_step_3(as_alice, enrolment, placement):
    as_alice.post(end_url(placement), {"ended_on": day(20).isoformat(), "reason": PlacementEndReason.HIRED})
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.IN_COMPANY
    assert Placement.objects.get(pk=placement.pk).ended_on == day(20)


def test_the_tick_is_on_for_a_break_and_off_for_a_hire(as_alice, placement):
    def ticked(**params):
        html = as_alice.get(end_url(placement), params).content.decode()
        box = html[html.index('id="id_back_to_step_2"') - 80 : html.index('id="id_back_to_step_2"') + 40]
        return "checked" in box

    assert ticked()
    assert ticked(reason="not_a_match")
    assert not ticked(reason="hired")
    html = as_alice.get(end_url(placement)).content.decode()
    # The page's script sets the box as the reason changes, from the reasons that are no break.
    assert 'data-not-broken="completed hired"' in html
    assert "jobbro/placement_end" in html


@pytest.mark.parametrize(
    ("reason", "posted", "expected_step"),
    [
        # Without JavaScript the box keeps its first state (ticked, set for no reason): the reason decides.
        ({"reason": "hired", "back_to_step_2": "on", "ticked_for": ""}, "box as first shown", Step.IN_COMPANY),
        ({"reason": "completed", "back_to_step_2": "on"}, "box as first shown", Step.IN_COMPANY),
        ({"reason": "not_a_match", "back_to_step_2": "on", "ticked_for": ""}, "box as first shown", Step.TOWARDS_JOB),
        # A box changed by hand is respected, whichever way.
        ({"reason": "not_a_match", "ticked_for": ""}, "unticked by hand", Step.IN_COMPANY),
        ({"reason": "hired", "back_to_step_2": "on", "ticked_for": "hired"}, "ticked by hand", Step.TOWARDS_JOB),
        # The script set the box for the reason chosen: as sent.
        ({"reason": "hired", "ticked_for": "hired"}, "set by the page", Step.IN_COMPANY),
    ],
)
def test_the_box_follows_the_reason_unless_changed_by_hand(
    as_alice, enrolment, placement, reason, posted, expected_step
):
    """The tracker: "employed with ordinary hours" kept "back to step 2" ticked."""
    response = as_alice.post(end_url(placement), {"ended_on": day(20).isoformat(), **reason})
    assert response.status_code == 302, posted
    enrolment.refresh_from_db()
    assert enrolment.current_step == expected_step, posted


def test_with_another_placement_running_the_page_says_the_citizen_stays_in_step_3(
    as_alice, enrolment, placement, start, social_company
):
    start(enrolment, company=social_company, starts_on=day(8))
    html = as_alice.get(end_url(placement)).content.decode()
    assert 'id="id_back_to_step_2"' not in html
    as_alice.post(
        end_url(placement), {"ended_on": day(20).isoformat(), "reason": "not_a_match", "back_to_step_2": "on"}
    )
    enrolment.refresh_from_db()
    assert enrolment.current_step == Step.IN_COMPANY


def test_an_end_before_the_start_or_in_the_future_is_refused_and_nothing_changes(as_alice, enrolment, placement):
    before = counts()
    for ended_on in (day(3), datetime.date.today() + datetime.timedelta(days=3)):
        response = as_alice.post(
            end_url(placement), {"ended_on": ended_on.isoformat(), "reason": "other", "back_to_step_2": "on"}
        )
        assert response.status_code == 200
        assert 'id="id_ended_on-error"' in response.content.decode()
    assert counts() == before
    assert Placement.objects.get(pk=placement.pk).ended_on is None


# --- The citizen page ----------------------------------------------------------------------------------------


def test_the_citizen_page_links_each_placement_and_offers_case_work_only_to_those_who_do_it(client, world, start):
    placement = start(world.alices_enrolment)
    url = reverse("citizen_detail", kwargs={"citizen_pk": world.alices_citizen.pk})
    client.force_login(world.alice)
    html = client.get(url).content.decode()
    assert f'href="{detail_url(placement)}"' in html
    assert f'href="{start_url(world.alices_enrolment)}"' in html
    client.force_login(world.manager)
    html = client.get(url).content.decode()
    assert f'href="{detail_url(placement)}"' in html
    assert f'href="{start_url(world.alices_enrolment)}"' not in html
    assert 'class="jb-actions"' not in html[html.index("jb-case-work") :]


# --- Agreed internship hours and a running placement ---------------------------------------------------------


def test_agreed_internship_hours_are_kept_with_the_start_agreement_and_follow_each_change(
    as_alice, alice, enrolment, company
):
    as_alice.post(
        start_url(enrolment),
        form_data(company, kind=PlacementKind.WAGE_SUBSIDY, agreed_ordinary_hours="4", agreed_internship_hours="12,5"),
    )
    placement = Placement.objects.get(enrolment=enrolment)
    assert placement.agreed_internship_hours == Decimal("12.5") and placement.has_internship_part
    start_row = placement.hours_changes.get()
    assert (start_row.ordinary_hours, start_row.internship_hours) == (Decimal(4), Decimal("12.5"))
    html = as_alice.get(detail_url(placement)).content.decode()
    assert 'id="agreement-internship-hours" data-hours="12.5"' in html
    # A new agreement without internship hours takes the internship part away again.
    actions.change_agreed_hours(
        acting_user=alice, placement=placement, from_date=day(30), ordinary_hours=10, internship_hours=0
    )
    placement.refresh_from_db()
    assert placement.agreed_internship_hours == 0 and not placement.has_internship_part


def test_internship_hours_over_the_week_are_refused_next_to_the_field(as_alice, enrolment, company):
    before = counts()
    response = as_alice.post(
        start_url(enrolment), form_data(company, agreed_ordinary_hours="30", agreed_internship_hours="31")
    )
    assert response.status_code == 200
    assert 'id="id_agreed_internship_hours-error"' in response.content.decode()
    assert counts() == before


def test_the_citizen_page_follows_up_a_running_placement_instead_of_offering_a_new_start(
    as_alice, enrolment, placement
):
    url = reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})
    html = as_alice.get(url).content.decode()
    assert f'class="button button-primary" id="running-placement-{placement.pk}"' in html
    assert f'href="{detail_url(placement)}"' in html
    assert f'id="start-placement-{enrolment.pk}" data-action="start-another"' in html
    assert 'class="button button-primary" id="start-placement-' not in html
    assert "running-placements" in as_alice.get(start_url(enrolment)).content.decode()
    actions.end_placement(
        acting_user=placement.enrolment.job_broker, placement=placement, ended_on=day(20), reason="completed"
    )
    html = as_alice.get(url).content.decode()
    assert f'class="button button-primary" id="start-placement-{enrolment.pk}"' in html
    assert "running-placement-" not in html
