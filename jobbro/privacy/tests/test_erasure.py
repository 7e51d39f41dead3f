"""Erasure keeps the statistics and removes the person: every report gives the same figures before and after, and no
name, CPR number, contact detail or note of the erased citizen is left in any text column of any table."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.accounts.models import Programme, Role, User
from jobbro.audit.models import Action, ChangeLog
from jobbro.cases.models import Enrolment
from jobbro.conftest import rolled_back
from jobbro.demo.generator import generate
from jobbro.people import actions as people_actions
from jobbro.people import cpr
from jobbro.people.models import Citizen, Restriction
from jobbro.privacy import actions, erasure, retention, tasks
from jobbro.privacy.models import ErasedKind, ErasureReceipt, RecordKind, RetentionPeriod
from jobbro.reporting.base import Scope
from jobbro.reporting.registry import REPORTS

DEMO_TODAY = datetime.date(2026, 3, 2)


def figures(on):
    """Every report of the registry, for every programme and each of its sites, as plain values."""
    found = {}
    for programme in Programme.objects.order_by("pk"):
        sites = tuple(programme.sites.order_by("pk"))
        for scope_sites in [sites, *((site,) for site in sites)]:
            for entry in REPORTS:
                report = entry.build(Scope(programme, scope_sites, on))
                found[(programme.pk, tuple(s.pk for s in scope_sites), entry.slug)] = [
                    (table.key, [(row.key, str(row.label), row.cells) for row in table.rows]) for table in report.tables
                ]
    return found


def differences(before, after):
    """[(report, table, row key, before, after)] for every row whose cells changed."""
    found = []
    for key, tables in before.items():
        rows_after = {(table, row): cells for table, rows in after[key] for row, _label, cells in rows}
        for table, rows in tables:
            for row, _label, cells in rows:
                if rows_after.get((table, row)) != cells:
                    found.append((key, table, row, cells, rows_after.get((table, row))))
    return found


def exited_citizens():
    still_open = Enrolment.objects.filter(ended_on__isnull=True).values("citizen_id")
    return Citizen.objects.filter(enrolments__isnull=False).exclude(pk__in=still_open).distinct().order_by("pk")


def traces(needles):
    """[(model, field, needle)] for every text column of every row holding one of the needles."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            rows = model._default_manager.annotate(_as_text=Cast(field.name, models.TextField()))
            for needle in needles:
                if rows.filter(_as_text__icontains=needle).exists():
                    found.append((model._meta.label, field.name, needle))
    return found


def needles_of(citizen):
    digits = citizen.reveal_cpr()
    values = [
        citizen.full_name,
        f"{digits[:6]}-{digits[6:]}",
        digits,
        citizen.email,
        citizen.phone,
        citizen.address,
    ]
    return [value for value in values if value and len(value) > 4]


@pytest.fixture
def demo(db):
    return generate(citizens=40, seed=2026, today=DEMO_TODAY)


def test_reports_give_the_same_figures_after_erasure_on_request_and_by_retention(demo):
    administrator = User.objects.filter(role=Role.ADMINISTRATOR).first()
    before = figures(DEMO_TODAY)
    exited = list(exited_citizens())
    assert len(exited) >= 4, "the demo has citizens who have left"
    by_request, by_retention = exited[:2], exited[2:]
    needles = {citizen.pk: needles_of(citizen) for citizen in exited}
    for citizen in by_request:
        actions.erase_on_request(acting_user=administrator, citizen=citizen, confirmation="slet")
    # Retention: every kind one month after exit, so every citizen who left is due by now.
    RetentionPeriod.objects.bulk_create(RetentionPeriod(kind=kind, months=1) for kind in RecordKind.values)
    receipts = tasks.apply_due(on=datetime.date(2027, 1, 1))
    assert {receipt.citizen_id for receipt in receipts} == {citizen.pk for citizen in by_retention}
    after = figures(DEMO_TODAY)
    assert [(key, table, row) for key, table, row, _b, _a in differences(before, after)] == []
    for citizen in exited:
        citizen.refresh_from_db()
        assert citizen.is_erased and citizen.full_name == f"Slettet borger {citizen.pk}"
    assert traces([needle for citizen in exited for needle in needles[citizen.pk]]) == []


@pytest.fixture
def left(refer, caseworker):
    """A citizen with a restriction, a CV line and a note, whose enrolment ended on 31.03.2025."""
    enrolment = refer(first_name="Rikke", last_name="Udmeldtsen", referral_text="Fortrolig note om Rikke")
    citizen = enrolment.citizen
    people_actions.add_restriction(
        acting_user=caseworker,
        citizen=citizen,
        tag=Restriction.Tag.OTHER,
        description="Skulderskade",
        recorded_on=enrolment.referred_on,
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=datetime.date(2025, 3, 31))
    citizen.refresh_from_db()
    return citizen


def test_erasure_on_request_writes_a_receipt_and_the_change_log(left, administrator):
    receipt = actions.erase_on_request(acting_user=administrator, citizen=left, confirmation="SLET")
    left.refresh_from_db()
    assert left.is_erased and left.first_name == "Slettet" and left.phone == "" and left.email == ""
    assert cpr.is_erased(left.cpr_hash) and left.cpr_encrypted.startswith(cpr.ERASED_PREFIX)
    assert receipt.complete and receipt.erased_by == administrator and receipt.exit_on == datetime.date(2025, 3, 31)
    assert receipt.counts["people.Restriction"] == {"kind": "health", "treatment": "delete", "rows": 1}
    assert set(ErasedKind.objects.filter(citizen=left).values_list("kind", flat=True)) == set(RecordKind.values)
    assert not Restriction.objects.filter(citizen=left).exists()
    assert Enrolment.objects.get(citizen=left).referral_text == ""
    assert ChangeLog.objects.filter(action=Action.ERASE_CITIZEN_DATA, citizen_ref=left.pk).exists()
    # The change log keeps which fields were written, never their values.
    assert all(
        value is None
        for row in ChangeLog.objects.filter(citizen_ref=left.pk)
        for value in row.changes.values()
        if row.action != Action.ERASE_CITIZEN_DATA
    )


def test_the_confirmation_word_is_required(left, administrator):
    with pytest.raises(ValidationError) as refused:
        actions.erase_on_request(acting_user=administrator, citizen=left, confirmation="ja")
    assert "confirmation" in refused.value.message_dict
    left.refresh_from_db()
    assert not left.is_erased


def test_an_open_enrolment_is_not_erased(refer, administrator):
    citizen = refer(first_name="Aktiv", last_name="Borger").citizen
    with pytest.raises(ValidationError):
        actions.erase_on_request(acting_user=administrator, citizen=citizen, confirmation="SLET")
    assert retention.schedule(datetime.date(2040, 1, 1), citizen_pks=[citizen.pk]) == []


def test_a_legal_hold_blocks_both_request_and_retention(left, administrator, caseworker):
    actions.set_legal_hold(acting_user=caseworker, citizen=left, reason="Klagesag i Ankestyrelsen")
    with pytest.raises(ValidationError) as refused:
        actions.erase_on_request(acting_user=administrator, citizen=left, confirmation="SLET")
    assert "tilbageholdt" in " ".join(refused.value.messages)  # the Danish refusal names the hold
    later = datetime.date(2040, 1, 1)
    due = retention.schedule(later, citizen_pks=[left.pk])
    assert due and due[0].held  # the preview shows the citizen, marked held
    assert tasks.apply_due(on=later) == []
    assert actions.apply_retention(citizen_pk=left.pk, on=later) is None
    left.refresh_from_db()
    assert not left.is_erased
    actions.lift_legal_hold(acting_user=caseworker, citizen=left, reason="Sagen er afgjort")
    assert [receipt.citizen_id for receipt in tasks.apply_due(on=later)] == [left.pk]
    left.refresh_from_db()
    assert left.is_erased


def test_holds_are_history_and_change_logged(left, caseworker):
    actions.set_legal_hold(acting_user=caseworker, citizen=left, reason="Retssag")
    with pytest.raises(ValidationError):
        actions.set_legal_hold(acting_user=caseworker, citizen=left, reason="Igen")
    actions.lift_legal_hold(acting_user=caseworker, citizen=left, reason="Afgjort")
    actions.set_legal_hold(acting_user=caseworker, citizen=left, reason="Ny klage")
    assert left.legal_holds.count() == 2
    logged = ChangeLog.objects.filter(citizen_ref=left.pk).values_list("action", flat=True)
    assert sorted(a for a in logged if "legal_hold" in a) == ["lift_legal_hold", "set_legal_hold", "set_legal_hold"]


def test_roles_without_the_capability_are_refused(left, alice, caseworker, outside_caseworker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.erase_on_request(acting_user=caseworker, citizen=left, confirmation="SLET")  # administrators only
    with pytest.raises(PermissionDenied):
        actions.set_legal_hold(acting_user=alice, citizen=left, reason="x")
    with pytest.raises(PermissionDenied):
        actions.set_legal_hold(acting_user=outside_caseworker, citizen=left, reason="x")  # another municipality


def test_the_periodic_job_is_idempotent(left, settings, monkeypatch):
    settings.RETENTION_APPLY = True
    settings.RETENTION_EVERY_SECONDS = 0
    monkeypatch.setattr(tasks, "_last_run", [None])
    RetentionPeriod.objects.create(kind=RecordKind.HEALTH, months=1)
    # Only the health kind is due by 2025-06-01 (everything else has its 60 months).
    receipts = tasks.apply_due(on=datetime.date(2025, 6, 1))
    assert len(receipts) == 1 and not receipts[0].complete
    assert list(receipts[0].kinds.values_list("kind", flat=True)) == [RecordKind.HEALTH]
    assert tasks.apply_due(on=datetime.date(2025, 6, 1)) == []
    # Today (after 31.03.2026) the kinds kept 12 months are due too; the worker erases them once.
    [receipt] = tasks.apply_when_due()
    assert set(receipt.kinds.values_list("kind", flat=True)) == {
        RecordKind.MESSAGES,
        RecordKind.NET_GAIN,
        RecordKind.ACCESS_LINKS,
    }
    assert tasks.apply_when_due() == []
    left.refresh_from_db()
    assert not left.is_erased and not Restriction.objects.filter(citizen=left).exists()
    assert ErasureReceipt.objects.count() == 2


def test_nothing_can_be_added_to_an_erased_citizen(left, administrator, caseworker):
    actions.erase_on_request(acting_user=administrator, citizen=left, confirmation="SLET")
    left.refresh_from_db()
    with pytest.raises(ValidationError):
        people_actions.set_job_goal(
            acting_user=caseworker, citizen=left, text="Lagerarbejder", set_on=datetime.date(2025, 4, 1)
        )


def test_the_identity_period_is_at_least_every_other(administrator):
    with pytest.raises(ValidationError):
        actions.set_retention_periods(acting_user=administrator, months={RecordKind.CASE: 61})
    assert actions.set_retention_periods(
        acting_user=administrator, months={RecordKind.IDENTITY: 72, RecordKind.CASE: 72}
    ) == {RecordKind.IDENTITY: 72, RecordKind.CASE: 72}
    assert retention.periods()[RecordKind.CASE] == 72


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    exits=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=4),
    months=st.dictionaries(st.sampled_from(RecordKind.values), st.integers(min_value=1, max_value=30)),
    on_offset=st.integers(min_value=0, max_value=1200),
)
def test_the_preview_lists_exactly_what_the_job_then_erases(refer, exits, months, on_offset):
    with rolled_back():
        wanted = {**retention.DEFAULT_MONTHS, **months}
        wanted[RecordKind.IDENTITY] = max(wanted.values())
        RetentionPeriod.objects.bulk_create(RetentionPeriod(kind=k, months=m) for k, m in wanted.items())
        base = datetime.date(2025, 4, 1)
        for n, days in enumerate(exits):
            enrolment = refer(first_name="Prøve", last_name=f"Borger{n}")
            Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=base + datetime.timedelta(days=days))
        on = base + datetime.timedelta(days=on_offset)
        preview = {
            due.citizen_pk: (
                {kind for kind, due_on in due.kinds.items() if due_on <= on},
                erasure.counts_of(erasure.plan(due.citizen_pk, [k for k, d in due.kinds.items() if d <= on])),
            )
            for due in retention.schedule(on)
        }
        preview = {pk: value for pk, value in preview.items() if value[0]}
        receipts = tasks.apply_due(on=on)
        done = {
            receipt.citizen_id: (set(receipt.kinds.values_list("kind", flat=True)), receipt.counts)
            for receipt in receipts
        }
        assert done == {pk: (erasure.kinds_for(kinds), counts) for pk, (kinds, counts) in preview.items()}


def test_an_ended_citizen_is_due_per_kind_on_its_own_date(left):
    RetentionPeriod.objects.create(kind=RecordKind.MESSAGES, months=2)
    due = retention.schedule(datetime.date(2025, 5, 31), citizen_pks=[left.pk])
    assert due[0].kinds == {RecordKind.MESSAGES: datetime.date(2025, 5, 31)}
    assert retention.schedule(datetime.date(2025, 5, 30), citizen_pks=[left.pk]) == []
    soon = retention.schedule(datetime.date(2025, 5, 30), within_days=1, citizen_pks=[left.pk])
    assert soon[0].kinds == {RecordKind.MESSAGES: datetime.date(2025, 5, 31)}


def test_the_cpr_linkage_list_leaves_an_erased_citizen_out(left, refer, administrator, programme):
    from jobbro.conftest import make_cpr
    from jobbro.effect import actions as effect_actions

    other_cpr = make_cpr()
    refer(first_name="Bliver", last_name="Tilbage", cpr_number=other_cpr)
    assert effect_actions.issue_project_keys(acting_user=administrator, programme=programme) == (2, 2)
    actions.erase_on_request(acting_user=administrator, citizen=left, confirmation="SLET")
    rows = effect_actions.linkage_list(acting_user=administrator, programme=programme)
    assert [digits for digits, _key in rows] == [cpr.normalise(other_cpr)]
