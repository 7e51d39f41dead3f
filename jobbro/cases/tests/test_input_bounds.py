"""Input bounds: dates inside the enrolment's life, texts of bounded length, and every form field bounded.

The rules live in cases/rules.py and jobbro/textlimits.py; these tests go through the actions and the pages,
as a user's input would, and check that a refusal names the field in Danish and saves nothing.
"""

import datetime
import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

import jobbro
from jobbro import textlimits
from jobbro.audit.models import ChangeLog
from jobbro.cases import actions
from jobbro.cases.models import Contact, Milestone, Outcome, Placement, PlacementKind, StepChange, Timesheet
from jobbro.conftest import REFERRED_ON
from jobbro.formtools import DesignSystemForm, DesignSystemModelForm

YEAR_ONE = datetime.date(1, 1, 1)
FAR_AHEAD = datetime.date(3000, 1, 1)
HUGE_NOTE = "x" * 200_000


def day(n):
    return REFERRED_ON + datetime.timedelta(days=n)


def danish(error):
    with translation.override("da"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Contact, Placement, Timesheet, Milestone, Outcome, StepChange, ChangeLog)
    }


@pytest.fixture
def enrolment(alices_enrolment):
    return alices_enrolment


@pytest.fixture
def placement(enrolment, start):
    return start(enrolment, starts_on=day(7))


# --- Dates inside the enrolment's life ------------------------------------------------------------------------


def test_a_contact_dated_0001_01_01_is_refused_in_danish_naming_the_date_and_nothing_is_saved(alice, enrolment):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        actions.log_contact(acting_user=alice, enrolment=enrolment, kind=Contact.Kind.PHONE, occurred_on=YEAR_ONE)
    assert danish(caught.value) == {"occurred_on": ["Dato: datoen 01.01.0001 ligger før år 2000."]}
    assert row_counts() == before


def test_the_contact_page_refuses_0001_01_01_next_to_the_date(client, alice, enrolment):
    client.force_login(alice)
    before = row_counts()
    url = reverse("contact_log", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    response = client.post(url, {"kind": "phone", "occurred_on": "0001-01-01", "note": "Ringede"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_occurred_on-error"' in html
    assert row_counts() == before


def test_a_contact_before_the_referral_is_refused_and_one_on_the_referral_date_is_kept(alice, enrolment):
    with pytest.raises(ValidationError) as caught:
        actions.log_contact(acting_user=alice, enrolment=enrolment, kind=Contact.Kind.PHONE, occurred_on=day(-1))
    assert danish(caught.value) == {"occurred_on": ["Dato kan ikke ligge før visitationsdatoen (03.03.2025)."]}
    assert actions.log_contact(acting_user=alice, enrolment=enrolment, kind=Contact.Kind.PHONE, occurred_on=day(0)).pk


@pytest.mark.parametrize("when", [YEAR_ONE, FAR_AHEAD])
def test_absurd_dates_are_refused_by_every_dated_action(alice, caseworker, enrolment, placement, company, when):
    before = row_counts()
    plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Plan", created_on=day(1))
    milestone = actions.add_milestone(acting_user=alice, plan=plan, kind=Milestone.Kind.COURSE, due_on=day(30))
    before = row_counts()
    attempts = {
        "changed_on": lambda: actions.change_step(acting_user=alice, enrolment=enrolment, step=2, on=when),
        "starts_on": lambda: actions.start_placement(
            acting_user=caseworker,
            enrolment=enrolment,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=when,
            agreed_ordinary_hours=5,
        ),
        "planned_end_on": lambda: actions.start_placement(
            acting_user=caseworker,
            enrolment=enrolment,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=day(8),
            planned_end_on=when,
            agreed_ordinary_hours=5,
        ),
        "ended_on": lambda: actions.end_placement(
            acting_user=alice, placement=placement, ended_on=when, reason="completed"
        ),
        "week_start": lambda: actions.register_hours(
            acting_user=alice, placement=placement, week_start=when, ordinary_hours=5, internship_hours=0
        ),
        "due_on": lambda: actions.add_milestone(acting_user=alice, plan=plan, kind=Milestone.Kind.COURSE, due_on=when),
        "completed_on": lambda: actions.complete_milestone(acting_user=alice, milestone=milestone, completed_on=when),
        "from_date": lambda: actions.change_agreed_hours(
            acting_user=alice, placement=placement, from_date=when, ordinary_hours=5
        ),
        "measured_on": lambda: actions.record_follow_up(
            acting_user=alice, enrolment=enrolment, measured_on=when, status="benefit"
        ),
        "decided_on": lambda: actions.record_upskilling_decision(
            acting_user=alice, enrolment=enrolment, decided_on=when, wanted=False, reason="Ikke nu"
        ),
    }
    if when == YEAR_ONE:
        attempts["occurred_on"] = lambda: actions.log_contact(
            acting_user=alice, enrolment=enrolment, kind="phone", occurred_on=when
        )
    for field, attempt in attempts.items():
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert field in caught.value.message_dict, field
    assert row_counts() == before


def test_a_placement_cannot_end_after_the_enrolments_exit(alice, caseworker, enrolment, placement):
    actions.end_placement(acting_user=alice, placement=placement, ended_on=day(20), reason="completed")
    actions.end_enrolment(acting_user=caseworker, enrolment=enrolment, ended_on=day(30), status="benefit")
    second = Placement.objects.create(
        enrolment=enrolment,
        company=placement.company,
        kind=PlacementKind.INTERNSHIP,
        starts_on=day(21),
        agreed_ordinary_hours=5,
    )
    with pytest.raises(ValidationError) as caught:
        actions.end_placement(acting_user=alice, placement=second, ended_on=day(31), reason="completed")
    assert danish(caught.value) == {"ended_on": ["Faktisk slut kan ikke ligge efter slutskemaets dato (02.04.2025)."]}


def test_a_milestone_years_ahead_is_refused_but_one_next_year_is_kept(alice, enrolment):
    plan = actions.create_job_plan(acting_user=alice, enrolment=enrolment, title="Plan", created_on=day(1))
    next_year = timezone.localdate() + datetime.timedelta(days=365)
    assert actions.add_milestone(acting_user=alice, plan=plan, kind=Milestone.Kind.TARGET_JOB, due_on=next_year).pk
    with pytest.raises(ValidationError) as caught:
        actions.add_milestone(acting_user=alice, plan=plan, kind=Milestone.Kind.TARGET_JOB, due_on=FAR_AHEAD)
    assert danish(caught.value) == {"due_on": ["Frist: datoen 01.01.3000 ligger for langt ude i fremtiden."]}


# --- Text lengths ---------------------------------------------------------------------------------------------


def test_a_200000_character_note_is_refused_in_danish_naming_the_note_and_nothing_is_saved(alice, enrolment):
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        actions.log_contact(
            acting_user=alice, enrolment=enrolment, kind=Contact.Kind.PHONE, occurred_on=day(3), note=HUGE_NOTE
        )
    assert danish(caught.value) == {"note": ["Notat: teksten er for lang – skriv højst 5000 tegn (den har 200000)."]}
    assert row_counts() == before
    kept = actions.log_contact(
        acting_user=alice, enrolment=enrolment, kind=Contact.Kind.PHONE, occurred_on=day(3), note="x" * 5000
    )
    assert len(kept.note) == 5000


def test_the_contact_page_refuses_a_200000_character_note_and_saves_nothing(client, alice, enrolment):
    client.force_login(alice)
    before = row_counts()
    url = reverse("contact_log", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    response = client.post(url, {"kind": "phone", "occurred_on": day(3).isoformat(), "note": HUGE_NOTE})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_note-error"' in html
    assert 'maxlength="5000"' in html
    assert row_counts() == before


def test_long_placement_texts_are_refused_by_the_action(caseworker, enrolment, company):
    with pytest.raises(ValidationError) as caught:
        actions.start_placement(
            acting_user=caseworker,
            enrolment=enrolment,
            company=company,
            kind=PlacementKind.INTERNSHIP,
            starts_on=day(7),
            purpose="p" * 1001,
            ordinary_hours_condition="Efter fire uger",
        )
    assert list(caught.value.message_dict) == ["purpose"]
    assert not Placement.objects.exists()


def test_every_text_field_on_the_models_has_a_length_limit_that_full_clean_enforces():
    from django.apps import apps
    from django.db import models

    unbounded = []
    for model in apps.get_models():
        if not model.__module__.startswith("jobbro."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                if not field.max_length:
                    unbounded.append(f"{model.__name__}.{field.name}")
                elif field.editable and not any(
                    getattr(v, "limit_value", None) == field.max_length for v in field.validators
                ):
                    unbounded.append(f"{model.__name__}.{field.name} (not enforced)")
    assert unbounded == []


def _all_form_classes():
    for module in pkgutil.walk_packages(jobbro.__path__, "jobbro."):
        if ".tests" in module.name or ".migrations" in module.name or module.name.endswith((".conftest", "management")):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:
            continue

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {cls for cls in subclasses(forms.BaseForm) if cls.__module__.startswith("jobbro.")}


def test_every_form_field_that_takes_text_is_bounded():
    found = _all_form_classes()
    assert len(found) > 30, "the forms were found"
    unbounded = []
    for form_class in found:
        dressed = issubclass(form_class, (DesignSystemForm, DesignSystemModelForm))
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.CharField) and field.max_length is None and not dressed:
                unbounded.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert unbounded == []


def test_the_shared_form_tools_bound_a_text_field_nobody_gave_a_limit():
    class Free(DesignSystemForm):
        line = forms.CharField(required=False)
        text = forms.CharField(required=False, widget=forms.Textarea)

    form = Free({"line": "x" * (textlimits.FORM_DEFAULT + 1), "text": "x" * (textlimits.NOTE + 1)})
    assert not form.is_valid() and set(form.errors) == {"line", "text"}
    assert Free({"line": "x" * textlimits.FORM_DEFAULT, "text": "x" * textlimits.NOTE}).is_valid()
    assert form["text"].field.widget.attrs["maxlength"] == str(textlimits.NOTE)


def test_scores_typed_from_paper_take_only_the_digits_0_to_9():
    from jobbro.cases.models import ProgressionAssessment
    from jobbro.cases.progression_forms import PaperAssessmentForm

    scores = dict.fromkeys(ProgressionAssessment.DIMENSIONS, "5")
    assert PaperAssessmentForm({"assessed_on": "2025-03-10", **scores}).is_valid()
    form = PaperAssessmentForm({"assessed_on": "2025-03-10", **scores, "sleep": "٥"})
    assert not form.is_valid() and list(form.errors) == ["sleep"]


def test_long_texts_about_companies_and_cvs_are_refused_by_their_actions(
    coordinator, programme, company, alice, enrolment
):
    from jobbro.companies import actions as company_actions
    from jobbro.companies.models import Opening
    from jobbro.people import actions as people_actions
    from jobbro.people.models import CVEntry

    with pytest.raises(ValidationError) as caught, translation.override("da"):
        company_actions.add_opening(
            acting_user=coordinator,
            company=company,
            programme=programme,
            title="Opvask",
            tasks=HUGE_NOTE,
            weekly_hours=8,
            posted_on=day(1),
        )
    assert danish(caught.value) == {"tasks": ["Opgaver: teksten er for lang – skriv højst 1000 tegn (den har 200000)."]}
    assert not Opening.objects.exists()
    with pytest.raises(ValidationError) as caught:
        people_actions.add_cv_entry(
            acting_user=alice, citizen=enrolment.citizen, kind="work", title="Kok", description=HUGE_NOTE
        )
    assert list(caught.value.message_dict) == ["description"]
    assert not CVEntry.objects.exists()


@pytest.mark.parametrize(("postcode", "kept"), [("8000", True), ("٨٠٠٠", False), ("80O0", False), ("800", False)])
def test_a_postcode_is_four_of_the_digits_0_to_9_for_companies_and_citizens(coordinator, refer, postcode, kept):
    from jobbro.companies import actions as company_actions
    from jobbro.companies.models import Company
    from jobbro.conftest import make_cvr

    def create():
        return company_actions.create_company(
            acting_user=coordinator,
            cvr=make_cvr(),
            name="Bageriet",
            industry_code="561010",
            kind=Company.Kind.PRIVATE,
            postcode=postcode,
        )

    if kept:
        assert create().postcode == postcode and refer(postcode=postcode).citizen.postcode == postcode
    else:
        with pytest.raises(ValidationError) as caught:
            create()
        assert list(caught.value.message_dict) == ["postcode"]
        with pytest.raises(ValidationError) as caught:
            refer(postcode=postcode)
        assert "postcode" in caught.value.message_dict
