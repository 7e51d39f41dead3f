"""The demo answers the funder's participant forms and gives every placement its kind's legal basis, so the export
Deltagerskemaer has content (docs/funders.md), deterministically, and leaves a few answers missing for the page's
list of missing answers."""

import datetime

import pytest
from django.db import transaction

from jobbro.accounts.models import Programme
from jobbro.cases import funders
from jobbro.cases.models import DEFAULT_LEGAL_BASIS, Enrolment, ParticipantForm, Placement
from jobbro.demo.generator import generate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def answers():
    return sorted(
        ParticipantForm.objects.values_list(
            "enrolment__referred_on", "sex", "education_level", "status_at_entry", "status_at_exit"
        )
    )


def test_the_demo_answers_the_participant_forms_and_sets_the_legal_bases():
    summary = generate(citizens=60, seed=2026, today=TODAY)
    programme = Programme.objects.get(pk=summary.programme_id)
    started = Enrolment.objects.filter(programme=programme, started_on__isnull=False)
    assert ParticipantForm.objects.count() == started.count() > 0
    assert not ParticipantForm.objects.filter(enrolment__started_on__isnull=True).exists()
    # Answers at exit only for those who left; the end answers are there for most of them.
    assert not ParticipantForm.objects.filter(enrolment__ended_on__isnull=True).exclude(status_at_exit="").exists()
    assert ParticipantForm.objects.filter(enrolment__ended_on__isnull=False).exclude(status_at_exit="").exists()
    for placement in Placement.objects.filter(enrolment__programme=programme):
        assert placement.legal_basis == DEFAULT_LEGAL_BASIS[placement.kind]
    rows = funders.rows(funders.participants(programme, datetime.date(2024, 1, 1), TODAY), TODAY)
    assert len(rows) == started.count()
    assert {row["age_group"] for row in rows} <= {"18-29", "30-54", "55+"}
    assert any(row["legal_bases"] for row in rows)
    incomplete = funders.incomplete(started, TODAY).count()
    assert 0 < incomplete < started.count()


def test_the_same_seed_gives_the_same_answers():
    with transaction.atomic():
        generate(citizens=30, seed=11, today=TODAY)
        first = answers()
        transaction.set_rollback(True)
    assert not ParticipantForm.objects.exists()
    generate(citizens=30, seed=11, today=TODAY)
    assert answers() == first and first
