"""The companies' track records, stored per (programme, company) so the companies list reads them instead of
computing them over every placement, timesheet and contact.

The figures are jobbro/reporting/track_record.py's, computed by its own `with_track_record` (one definition), as of
the day they were computed. They depend on that day: an internship counts once it has started, leaves the recent
figures when it falls out of the look-back period, a placement runs from its start to its end, a contact counts
once its date has come. So each row also keeps `valid_until`, the first day one of these happens; until then,
with no write in between, the figures hold, and a row read on or after that day is computed again. A row also
keeps the look-back period it used; a programme whose setting changed has its rows computed again when read.
Whether a company is an internship factory is judged when read, from the stored recent figures and the
programme's rule.

How they stay true, as jobbro/reporting/facts.py keeps the report facts: saving or deleting a placement, a
timesheet or a contact marks its company stale (a small insert into StaleCompanyFacts, in the same transaction as
the write), and when the write commits a refresh of the marked companies is queued for the task worker, which also
refreshes them and the rows that have run out every settings.WORKER_PERIODIC_SECONDS. Before the list reads,
`track_records` catches up the marks and computes again the page's rows that have run out. Writers that insert in
bulk (the demo generator, the import) call `refresh` themselves; `manage.py refresh_report_facts` refreshes every
company's rows, and with --check reports those that disagree with the records. An enrolment's programme and
citizen never change, so an enrolment's own save does not touch the figures; deleting one deletes its placements
and contacts, whose deletes mark their companies.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import transaction
from django.db.models import Min, Q
from django.db.models.signals import post_delete, post_save, pre_save
from django_tasks import task

from jobbro.accounts.models import Programme
from jobbro.cases.models import KINDS_WITH_INTERNSHIP, Contact, Placement, Timesheet, placement_running_on
from jobbro.companies.models import Company, CompanyActivity
from jobbro.days import today
from jobbro.reporting.models import CompanyTrackRecord, StaleCompanyFacts
from jobbro.reporting.track_record import FIGURES, FactoryRule, TrackRecord, with_track_record

AVERAGE_PLACES = Decimal("0.000001")  # CompanyTrackRecord.average_weekly_ordinary_hours has six decimal places
CHUNK = 400  # companies per round trip: SQLite takes at most 999 parameters in a statement
# What makes two rows the same: computed_on is left out, since a row computed yesterday that still holds is right.
COMPARED = (*FIGURES, "lookback_days", "valid_until")


# --- Computing ---------------------------------------------------------------------------------------------------


def fresh_rows(company_ids, *, on=None):
    """The CompanyTrackRecord rows of these companies as of `on` (today), unsaved: one per programme in which the
    company has a placement or a contact."""
    on = on or today()
    company_ids = list(company_ids)
    rows = []
    for programme in Programme.objects.order_by("pk"):
        active = (
            set(
                Placement.objects.filter(company_id__in=company_ids, enrolment__programme=programme).values_list(
                    "company_id", flat=True
                )
            )
            | set(
                Contact.objects.filter(company_id__in=company_ids, enrolment__programme=programme).values_list(
                    "company_id", flat=True
                )
            )
            | set(
                CompanyActivity.objects.filter(company_id__in=company_ids, programme=programme).values_list(
                    "company_id", flat=True
                )
            )
        )
        if not active:
            continue
        rule = FactoryRule.for_programme(programme)
        until = _valid_until(active, programme, rule, on)
        figures = with_track_record(Company.objects.filter(pk__in=active), programme, on=on, rule=rule).values(
            "pk", *FIGURES
        )
        for row in figures:
            company_id = row.pop("pk")
            row["average_weekly_ordinary_hours"] = average(row["average_weekly_ordinary_hours"])
            rows.append(
                CompanyTrackRecord(
                    programme_id=programme.pk,
                    company_id=company_id,
                    lookback_days=rule.lookback_days,
                    computed_on=on,
                    valid_until=until.get(company_id),
                    **row,
                )
            )
    return rows


def average(hours):
    """The average weekly hours as stored, to six places: the databases return it unrounded (PostgreSQL) or to 15
    digits (SQLite), and either rounds to the tenth shown as the stored value does."""
    if hours is None:
        return None
    return Decimal(hours).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_EVEN)


def _valid_until(company_ids, programme, rule, on):
    """{company id: the first day after `on` on which a figure can change with no write}: a placement starts, one
    running ends (on its end date, the first day it no longer runs: cases/models.py), an internship falls out of the
    look-back period, a contact's date comes.
    """
    since = rule.since(on)
    placements = (
        Placement.objects.filter(company_id__in=company_ids, enrolment__programme=programme)
        .order_by()
        .values("company_id")
        .annotate(
            next_start=Min("starts_on", filter=Q(starts_on__gt=on)),
            next_end=Min("ended_on", filter=placement_running_on(on) & Q(ended_on__isnull=False)),
            oldest_recent=Min(
                "starts_on", filter=Q(kind__in=KINDS_WITH_INTERNSHIP, starts_on__gte=since, starts_on__lte=on)
            ),
        )
    )
    days = defaultdict(list)
    for row in placements:
        company_days = days[row["company_id"]]
        if row["next_start"]:
            company_days.append(row["next_start"])
        if row["next_end"]:
            company_days.append(row["next_end"])
        if row["oldest_recent"]:
            company_days.append(row["oldest_recent"] + datetime.timedelta(days=rule.lookback_days + 1))
    contacts = (
        Contact.objects.filter(company_id__in=company_ids, enrolment__programme=programme, occurred_on__gt=on)
        .order_by()
        .values("company_id")
        .annotate(next_contact=Min("occurred_on"))
    )
    for row in contacts:
        days[row["company_id"]].append(row["next_contact"])
    activities = (
        CompanyActivity.objects.filter(company_id__in=company_ids, programme=programme, occurred_on__gt=on)
        .order_by()
        .values("company_id")
        .annotate(next_activity=Min("occurred_on"))
    )
    for row in activities:
        days[row["company_id"]].append(row["next_activity"])
    return {company_id: min(company_days) for company_id, company_days in days.items() if company_days}


def _values(row):
    return tuple(getattr(row, name) for name in COMPARED)


def _holds(row, on, lookbacks):
    """The stored row can be read as it is on `on`: computed by then, not run out, with the programme's look-back."""
    return (
        row.computed_on <= on
        and (row.valid_until is None or on < row.valid_until)
        and lookbacks.get(row.programme_id) == row.lookback_days
    )


def _lookbacks():
    return {programme.pk: FactoryRule.for_programme(programme).lookback_days for programme in Programme.objects.all()}


def _differences(chunk, on, *, as_read):
    """{company id: its fresh rows} for the companies in the chunk whose stored rows differ from their records.

    With `as_read`, a stored row that has run out (or used another look-back) is not a difference: it is never read
    as it is, but computed again first."""
    fresh, stored = defaultdict(dict), defaultdict(dict)
    for row in fresh_rows(chunk, on=on):
        fresh[row.company_id][row.programme_id] = row
    for row in CompanyTrackRecord.objects.filter(company_id__in=chunk):
        stored[row.company_id][row.programme_id] = row
    lookbacks = _lookbacks() if as_read else {}
    differ = {}
    for company_id in chunk:
        mine, kept = fresh.get(company_id, {}), stored.get(company_id, {})
        if as_read:
            kept = {pk: row for pk, row in kept.items() if _holds(row, on, lookbacks)}
            mine_compared = {pk: row for pk, row in mine.items() if pk in kept or pk not in stored.get(company_id, {})}
        else:
            mine_compared = mine
        if {pk: _values(row) for pk, row in mine_compared.items()} != {pk: _values(row) for pk, row in kept.items()}:
            differ[company_id] = list(mine.values())
    return differ


def _chunks(company_ids):
    """The company ids in chunks; None means every company with a placement, a contact or a stored row."""
    if company_ids is None:
        company_ids = set(Placement.objects.values_list("company_id", flat=True).distinct())
        company_ids |= set(
            Contact.objects.filter(company__isnull=False).values_list("company_id", flat=True).distinct()
        )
        company_ids |= set(CompanyActivity.objects.values_list("company_id", flat=True).distinct())
        company_ids |= set(CompanyTrackRecord.objects.values_list("company_id", flat=True).distinct())
    ids = sorted(set(company_ids))
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def refresh(company_ids=None, *, on=None):
    """Recompute the track records of these companies (every company when None) as of `on` (today), and store those
    that differ. Returns the ids of the companies whose rows changed."""
    on = on or today()
    changed = set()
    with transaction.atomic():
        for chunk in _chunks(company_ids):
            differ = _differences(chunk, on, as_read=False)
            if not differ:
                continue
            CompanyTrackRecord.objects.filter(company_id__in=list(differ)).delete()
            # A concurrent refresh of the same company may have stored the same fresh rows first.
            CompanyTrackRecord.objects.bulk_create(
                [row for rows in differ.values() for row in rows], batch_size=CHUNK, ignore_conflicts=True
            )
            changed.update(differ)
    return sorted(changed)


def refresh_for_enrolments(enrolment_ids):
    """Refresh the companies these enrolments have placements or contacts at (after a bulk load of their rows)."""
    enrolment_ids = sorted(set(enrolment_ids))
    company_ids = set()
    for i in range(0, len(enrolment_ids), CHUNK):
        chunk = enrolment_ids[i : i + CHUNK]
        company_ids |= set(Placement.objects.filter(enrolment_id__in=chunk).values_list("company_id", flat=True))
        company_ids |= set(
            Contact.objects.filter(enrolment_id__in=chunk, company__isnull=False).values_list("company_id", flat=True)
        )
    return refresh(company_ids)


def stale(company_ids=None, *, on=None):
    """The companies (ids, ordered) whose stored track record, as the companies list would read it, differs from
    what their records give now; every company when None. Nothing is written."""
    on = on or today()
    return sorted(pk for chunk in _chunks(company_ids) for pk in _differences(chunk, on, as_read=True))


def run_out(on=None):
    """The companies (ids) with a stored row that has run out or used another look-back, to be computed again."""
    on = on or today()
    lookbacks = _lookbacks()
    ran_out = CompanyTrackRecord.objects.filter(Q(valid_until__lte=on) | Q(computed_on__gt=on))
    for programme_id, days in lookbacks.items():
        ran_out = ran_out | CompanyTrackRecord.objects.filter(programme_id=programme_id).exclude(lookback_days=days)
    return sorted(set(ran_out.values_list("company_id", flat=True)))


# --- Reading -----------------------------------------------------------------------------------------------------


def track_records(company_ids, programmes, *, on=None):
    """{company id: [TrackRecord per programme]} for these companies, read from the stored rows.

    The marked companies are refreshed first, and so are the given companies whose rows have run out, so the
    figures are what reporting/track_record.py computes from the records on `on`. A fixed number of queries,
    however many companies; who is in contact is not stored (the company page computes it)."""
    on = on or today()
    company_ids = list(company_ids)
    programmes = list(programmes)
    result = {pk: [] for pk in company_ids}
    if not company_ids or not programmes:
        return result
    catch_up(on=on)
    rules = {programme.pk: FactoryRule.for_programme(programme) for programme in programmes}
    lookbacks = {pk: rule.lookback_days for pk, rule in rules.items()}
    rows = _stored(company_ids, rules)
    ran_out = {row.company_id for row in rows.values() if not _holds(row, on, lookbacks)}
    if ran_out:
        refresh(ran_out, on=on)
        rows = _stored(company_ids, rules)
    for company_id in company_ids:
        for programme in programmes:
            row = rows.get((company_id, programme.pk))
            figures = {name: getattr(row, name) for name in FIGURES} if row else _NONE
            result[company_id].append(
                TrackRecord(programme=programme, rule=rules[programme.pk], in_contact=[], **figures)
            )
    return result


_NONE = dict.fromkeys(FIGURES, 0) | {"average_weekly_ordinary_hours": None, "last_contact_on": None}


def _stored(company_ids, rules):
    return {
        (row.company_id, row.programme_id): row
        for row in CompanyTrackRecord.objects.filter(company_id__in=company_ids, programme_id__in=list(rules))
    }


# --- Keeping them true -------------------------------------------------------------------------------------------


def _companies_of_placement(placement_id):
    return list(Placement.objects.filter(pk=placement_id).values_list("company_id", flat=True))


def _before_save(sender, instance, raw=False, **kwargs):
    """A placement or contact moved to another company changes the track record of the one it left too."""
    if raw or instance.pk is None:
        return
    instance._company_before = sender.objects.filter(pk=instance.pk).values_list("company_id", flat=True).first()


# For each model the figures are made from: the companies a saved or deleted row of it can change.
SOURCES = {
    Placement: lambda row: [row.company_id, getattr(row, "_company_before", None)],
    Contact: lambda row: [row.company_id, getattr(row, "_company_before", None)],
    Timesheet: lambda row: _companies_of_placement(row.placement_id),
    CompanyActivity: lambda row: [row.company_id],  # the activity log counts towards the last contact
    Company: lambda row: [row.pk],
}


def _mark_stale(sender, instance, raw=False, **kwargs):
    if raw:  # loading a fixture: the rows it refers to may not be there yet
        return
    marks = [StaleCompanyFacts(company_id=pk) for pk in set(SOURCES[sender](instance)) if pk]
    if not marks:
        return
    StaleCompanyFacts.objects.bulk_create(marks, ignore_conflicts=True)
    transaction.on_commit(_queue_catch_up, robust=True)


def _queue_catch_up():
    catch_up_company_facts.enqueue()


@task()
def catch_up_company_facts():
    """The worker refreshes the marked companies as soon as a write commits."""
    catch_up()


def connect():
    """Mark a company's track record stale whenever a record it is made from is saved or deleted (at start-up)."""
    for model in (Placement, Contact):
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"company-facts-before-{model.__name__}")
    for model in SOURCES:
        if model is not Company:  # a company's own fields are not figures; only its deletion leaves rows behind
            post_save.connect(_mark_stale, sender=model, dispatch_uid=f"company-facts-save-{model.__name__}")
        post_delete.connect(_mark_stale, sender=model, dispatch_uid=f"company-facts-delete-{model.__name__}")


def catch_up(*, on=None):
    """Refresh the track records of every company marked stale, before the list reads them.

    The marks are locked while their companies are refreshed, so a second reader waits and then finds nothing left
    to do; a write marks its company again when it commits, however the two interleave."""
    if not StaleCompanyFacts.objects.exists():
        return
    with transaction.atomic():
        stale_ids = list(StaleCompanyFacts.objects.select_for_update().values_list("company_id", flat=True))
        refresh(stale_ids, on=on)
        for i in range(0, len(stale_ids), CHUNK):
            StaleCompanyFacts.objects.filter(company_id__in=stale_ids[i : i + CHUNK]).delete()


def catch_up_all(*, on=None):
    """The worker's periodic job (settings.WORKER_PERIODIC_JOBS): the marked companies, and every row that has run
    out since it was computed."""
    catch_up(on=on)
    ran_out = run_out(on)
    if ran_out:
        refresh(ran_out, on=on)
