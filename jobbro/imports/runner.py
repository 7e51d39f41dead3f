"""Importing a programme's records from spreadsheets: all or nothing, idempotent, fast.

How it works
------------
`run(files, ...)` reads every sheet (reader.py), then handles the kinds in dependency order
(schemas.ORDER: the set-up sheets programmes, sites, memberships and result goals, which only administrators
may import, then companies, openings, citizens, enrolments, step changes, CV, job plans, milestones,
placements, timesheets, contacts, outcomes, progression), all inside ONE transaction:

* each row's cells are converted (dates 22.11.2026 or ISO, decimal commas, Danish choice words) and
  validated; a rejected row is recorded with its sheet, row number, column and reason, and the
  import goes on so the report lists every rejected row, not only the first;
* references go by natural key: a citizen by the keyed hash of the CPR number, a company by CVR, an
  opening, placement, job plan or contact by the external id within its programme, an enrolment by
  CPR and programme (the enrolment running on the row's date), staff by username. The keys a sheet
  needs are preloaded into dicts in chunked queries, never one query per row;
* a row whose key exists is compared field by field with the record: equal means "unchanged",
  different means "updated" (only the columns present in the sheet are compared), a new key means
  "created". Rows are written with bulk_create/bulk_update in batches, so 100,000 rows take seconds;
* at the end, if any row was rejected or this is a dry run, the transaction is rolled back: the
  database is exactly as before. Otherwise it commits, with ONE change-log row for the whole import
  (the ImportRun row records who, when, the file's SHA-256 and the counts).

Importing the same file again therefore creates and updates nothing.

The per-row actions (cases/actions.py, people/actions.py) are NOT called: at about a millisecond a row
and an audit row each, 100,000 rows would take minutes. Instead the import asks the same rule functions the
actions ask, so it holds no copy of a rule: cases/rules.py (hours 0-60 with at most one decimal and at most 60
together, a week that has ended, inside its placement, internship hours only on a placement with an internship
part, an end never before its start, after the end form only aftercare contacts, an exit outcome never "still in
the programme", no follow-up before the end form, a job package with a target job, an opening of the placement's
company in its programme, milestones not before their plan), the models' own clean() and field validators
(a placement's agreement on ordinary hours, the condition or the reason there is none; postcodes; e-mail
addresses), accounts.actions.result_goal_part_error, CPR numbers through people.cpr.validate, CVR through
companies.models.validate_cvr, occupation and industry codes through jobbro.codes. Rules that belong to a
sheet rather than to a record are the import's own: nothing dated before the referral or in the future, an
exit outcome on the end form date, overlapping enrolments of one citizen in one programme refused.

The report facts (reporting/facts.py, reporting/company_facts.py) are kept right by construction: the rows
go in past the receivers that mark facts stale, so the importer records every row it writes or changes in a
facts.Written (which knows from facts.OWNERS what each kind of row belongs to: a case, a placement, a citizen, a
company; a changed row before and after the change) and calls facts.refresh_for with it at the end, in the
import's transaction.

History is imported as history: the rows of the step-change sheet, the traffic light with its date,
and the rows an action would write with the record (step 1 and the traffic light at the start form
date, step "ended" at the end form date, the job broker, caseworker and mentor from the start form
date, the start agreement on hours) are written as dated rows. The current fields follow the history
afterwards: Enrolment.current_step is the last step change and Citizen.traffic_light the last
traffic-light change (by date, then by id), as the actions keep them.
"""

import datetime
import functools
import hashlib
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobbro import codes, days
from jobbro.accounts import access
from jobbro.accounts.actions import (
    add_membership,
    create_programme,
    create_result_goal,
    create_site,
    result_goal_part_error,
    update_programme,
    update_result_goal,
    update_site,
)
from jobbro.accounts.models import Membership, Programme, ResultGoal, Site, TargetGroup, User, share_goal_error
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.bulk import New, RowWriter
from jobbro.cases import rules
from jobbro.cases.models import (
    PROGRESSION_DIMENSIONS,
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    JobPlan,
    Milestone,
    Outcome,
    Placement,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
    default_legal_basis,
)
from jobbro.companies.models import Company, NetworkAgreement, Opening
from jobbro.imports import reader, schemas
from jobbro.imports.models import ImportRun
from jobbro.matching import pool as citizen_pool
from jobbro.people import cpr
from jobbro.people.models import Citizen, CVEntry, JobGoal, TrafficLightChange
from jobbro.reporting import facts
from jobbro.weekly_hours import MAX_WEEKLY_HOURS

BATCH = 2000  # rows per INSERT
CHUNK = 900  # keys per IN (...) when preloading
ContactStaff = Contact.staff.through
ZERO = Decimal("0.0")


def chunks(items, size=CHUNK):
    items = list(items)
    for first in range(0, len(items), size):
        yield items[first : first + size]


class Rollback(Exception):  # noqa: N818 - control flow, not an error
    pass


@dataclass
class Result:
    counts: dict = field(default_factory=dict)
    rejected: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    total_rows: int = 0
    committed: bool = False
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.rejected


NOT_YET = object()


STAFF_ROLES = ("job_broker", "caseworker", "mentor")  # the enrolment's staff, each with its assignment history


@dataclass
class EnrolmentCandidate:
    """An accepted row of the enrolments sheet with its references resolved."""

    row: "Row"
    programme: Programme
    citizen_id: int
    site_id: int
    staff: dict  # role (STAFF_ROLES) -> user id, None when the cell is empty

    @property
    def referred_on(self):
        return self.row.get("referred_on")

    @property
    def ended_on(self):
        return self.row.get("ended_on")

    def create_values(self, values):
        """A new enrolment's fields: the row's, in step 1."""
        return {
            "citizen_id": self.citizen_id,
            "programme_id": self.programme.pk,
            "referred_on": self.referred_on,
            "started_on": self.referred_on,  # the sheet's start date is the start form's
            "current_step": Step.CLARIFICATION,
            **values,
        }


@dataclass
class AgreementRow:
    """A network agreement as a row of the companies sheet gives it."""

    company: object  # a Company, or a row this import queued
    programme: Programme
    signed_on: datetime.date
    ended_on: datetime.date | None

    @property
    def key(self):
        return (self.company.pk, self.programme.pk, self.signed_on)


@dataclass
class Period:
    """An enrolment's period: a record's (row None) or a sheet row's."""

    starts_on: datetime.date
    ends_on: datetime.date | None
    row: "Row | None" = None

    def overlaps(self, later):
        return self.ends_on is None or self.ends_on >= later.starts_on


@dataclass
class Assignment:
    """A job broker, caseworker or mentor assigned to an enrolment from a date."""

    enrolment: object  # an Enrolment, or a row this import queued
    role: str
    user_id: int
    on: datetime.date

    @property
    def key(self):
        return (self.enrolment.pk, self.role, self.user_id, self.on)


class Row:
    __slots__ = ("raw", "number", "values", "errors", "key", "programme")

    def __init__(self, raw, number, values):
        self.raw = raw
        self.number = number
        self.values = values
        self.errors = []
        self.key = None
        self.programme = NOT_YET

    def has(self, name):
        return name in self.raw.headers

    def get(self, name, default=None):
        value = self.values.get(name)
        return default if value is None else value

    def value(self, name, default=None):
        """The cell's value, or the column type's empty value (blank text, no date, no)."""
        if name in self.values:
            return self.values[name]
        if default is not None:
            return default
        kind = self.raw.sheet.column(name).type
        if kind in (schemas.TEXT, schemas.CHOICE, schemas.CVR, schemas.USER):
            return ""
        if kind == schemas.BOOLEAN:
            return False
        if kind == schemas.LIST:
            return []
        return None

    def reject(self, name, reason):
        header = self.raw.headers.get(name) or (self.raw.sheet.column(name).da if name else "")
        self.errors.append((header, str(reason)))


class Importer:
    def __init__(self, *, user=None, programme=None, progress=None, today=None):
        self.user = user
        self.default_programme = programme
        self.progress = progress
        self.today = today or days.today()
        self.now = timezone.now()
        self.counts = defaultdict(Counter)
        self.history = Counter()
        self.rejected = []
        self.rejected_keys = defaultdict(set)
        self.done = 0
        self.total = 0
        self._last_tick = 0
        self._hashes = {}
        programmes = access.visible_programmes(user) if user is not None else Programme.objects.all()
        self.programmes = {schemas.normalise(p.name): p for p in programmes}
        self.sites = {(s.programme_id, schemas.normalise(s.name)): s.pk for s in Site.objects.all()}
        self.users = {u.username.lower(): u.pk for u in User.objects.only("pk", "username")}
        self.citizens = {}  # cpr hash -> citizen id
        self.new_citizens = set()  # ids of the citizens this import created
        self.companies = {}  # cvr -> company id
        self.enrolments = defaultdict(list)  # (citizen id, programme id) -> [Enrolment]
        self._enrolments_loaded = set()  # citizen ids
        self.openings = {}  # (programme id, external id) -> (id, company id)
        self.placements = {}  # (programme id, external id) -> Placement
        self.plans = {}  # (programme id, external id) -> JobPlan
        self._placement_instances = {}  # placement id -> Placement, for the rules (see _placement_instance)
        self.touched_enrolments = set()  # whose current step follows the history (follow_history)
        self.touched_citizens = set()  # whose traffic light follows the history
        self.written = facts.Written()  # the records the report facts are made from that this import wrote
        self.step_keys = {}  # enrolment id -> {(step, date): StepChange}
        self.light_keys = {}  # citizen id -> {(light, date)}
        self.writers = {}
        self.user_pk = user.pk if user is not None else None

    # --- Progress, rejections and counts -----------------------------------------------------------

    def tick(self, n=1, force=False):
        self.done += n
        if self.progress and (force or self.done - self._last_tick >= 2000):
            self._last_tick = self.done
            self.progress(min(self.done, self.total), self.total)

    def reject(self, row, kind):
        self.counts[kind]["rejected"] += 1
        if row.key is not None:
            self.rejected_keys[kind].add(row.key)
        for column, reason in row.errors:
            self.rejected.append({"sheet": row.raw.name, "row": row.number, "column": column, "reason": reason})

    def writer(self, model):
        found = self.writers.get(model)
        if found is None:
            found = self.writers[model] = RowWriter(model, self.now)
        return found

    def _upsert(self, kind, model, obj, values, create, creates, updates, update_fields):
        """Create, update or leave the record; returns it. `values` holds only the fields the sheet gives.

        `create()` returns the new row's values by attname; the row is queued for insertion.
        """
        if obj is None:
            obj = self.writer(model).add(create())
            creates.append(obj)
            self.counts[kind]["created"] += 1
            self.written.add(model, obj)
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            self.written.add(model, obj)  # before the change too: a placement moved away from a company
            for name in changed:
                setattr(obj, name, values[name])
            self.written.add(model, obj)
            updates.append(obj)
            update_fields.update(changed)
            self.counts[kind]["updated"] += 1
        else:
            self.counts[kind]["unchanged"] += 1
        return obj

    def _write(self, model, creates=(), updates=(), fields=()):
        """Insert the queued new rows, then update the changed ones (records of this import one by one)."""
        if model in self.writers:
            self.writers[model].flush()
        if updates and fields:
            loaded = [obj for obj in updates if not isinstance(obj, New)]
            if loaded:
                model.objects.bulk_update(loaded, sorted(fields), batch_size=500)
            for obj in updates:
                if isinstance(obj, New):
                    model.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in fields})

    def add(self, model, **values):
        row = self.writer(model).add(values)
        self.written.add(model, row)
        return row

    # --- Rows ------------------------------------------------------------------------------------

    def rows(self, raw_sheets, kind):
        """The rows of one kind with converted values; a row with a bad cell is rejected here."""
        good = []
        for raw in raw_sheets:
            if any(c.required and c.name not in raw.headers for c in raw.sheet.columns):
                # The missing column is reported once for the sheet (reader.py); its rows cannot be read.
                self.counts[kind]["rejected"] += len(raw.rows)
                self.tick(len(raw.rows))
                continue
            columns = {c.name: c for c in raw.sheet.columns}
            convert = [(i, name, reader.converter(columns[name])) for i, name in enumerate(raw.positions) if name]
            required = [c.name for c in raw.sheet.columns if c.required]
            for number, cells in raw.rows:
                values = {}
                row = Row(raw, number, values)
                size = len(cells)
                for i, name, function in convert:
                    if i >= size:
                        continue
                    cell = cells[i]
                    if cell is None or cell == "" or (type(cell) is str and not cell.strip()):
                        continue
                    try:
                        values[name] = function(cell)
                    except reader.CellError as error:
                        row.reject(name, str(error))
                for name in required:
                    if name not in values and not any(h == raw.headers.get(name) for h, _r in row.errors):
                        row.reject(name, _("This field is required."))
                if row.errors:
                    self.reject(row, kind)
                    self.tick()
                else:
                    good.append(row)
        return good

    def _duplicate(self, row, kind, key, seen, column):
        if key in seen:
            row.reject(column, _("The same record is also in row %(row)s.") % {"row": seen[key]})
            return True
        seen[key] = row.number
        return False

    def cpr_hash(self, digits):
        found = self._hashes.get(digits)
        if found is None:
            found = self._hashes[digits] = cpr.lookup_hash(digits)
        return found

    def programme(self, row):
        """The row's programme (its column, else the import's); looked up once per row."""
        if row.programme is not NOT_YET:
            return row.programme
        if row.get("programme"):
            found = self.programmes.get(schemas.normalise(row.get("programme")))
            if found is None:
                row.reject("programme", _("No programme of that name that you may import into."))
        else:
            found = self.default_programme
            if found is None:
                row.reject("programme", _("Name the programme: in this column or for the whole import."))
        row.programme = found
        return found

    def user_id(self, row, name):
        username = row.get(name)
        if not username:
            return None
        found = self.users.get(str(username).lower())
        if found is None:
            row.reject(name, _("No staff user with that username."))
        return found

    # --- Preloading ------------------------------------------------------------------------------

    def load_citizens(self, hashes):
        missing = [h for h in hashes if h not in self.citizens]
        for chunk in chunks(missing):
            self.citizens.update(Citizen.objects.filter(cpr_hash__in=chunk).values_list("cpr_hash", "pk"))

    def citizen(self, row):
        digits = row.get("cpr")
        found = self.citizens.get(self.cpr_hash(digits))
        if found is None:
            if self.cpr_hash(digits) in self.rejected_keys["citizens"]:
                row.reject("cpr", _("The citizen's row in the citizens sheet was rejected."))
            else:
                row.reject("cpr", _("No citizen with this CPR number, neither in jobbro nor in the citizens sheet."))
        return found

    def load_companies(self, cvrs):
        missing = [c for c in cvrs if c and c not in self.companies]
        for chunk in chunks(missing):
            self.companies.update(Company.objects.filter(cvr__in=chunk).values_list("cvr", "pk"))

    def company(self, row, name="cvr"):
        value = row.get(name)
        if not value:
            return None
        found = self.companies.get(value)
        if found is None:
            if value in self.rejected_keys["companies"]:
                row.reject(name, _("The company's row in the companies sheet was rejected."))
            else:
                row.reject(name, _("No company with this CVR number, neither in jobbro nor in the companies sheet."))
        return found

    def load_enrolments(self, citizen_ids):
        missing = [c for c in citizen_ids if c not in self._enrolments_loaded]
        for chunk in chunks(missing):
            for enrolment in Enrolment.objects.filter(citizen_id__in=chunk).order_by("referred_on", "pk"):
                self.enrolments[(enrolment.citizen_id, enrolment.programme_id)].append(enrolment)
        self._enrolments_loaded.update(missing)

    def prepare_enrolment_refs(self, rows):
        self.load_citizens({self.cpr_hash(r.get("cpr")) for r in rows})
        self.load_enrolments(
            {self.citizens[h] for h in {self.cpr_hash(r.get("cpr")) for r in rows} if h in self.citizens}
        )

    def enrolment(self, row, on, date_column):
        """The citizen's enrolment in the row's programme running on the date (the latest started by then)."""
        programme = self.programme(row)
        citizen_id = self.citizen(row)
        if programme is None or citizen_id is None:
            return None
        candidates = self.enrolments.get((citizen_id, programme.pk), [])
        if not candidates:
            if (self.cpr_hash(row.get("cpr")), programme.pk) in self.rejected_keys["enrolments_by_citizen"]:
                row.reject("cpr", _("The citizen's row in the enrolments sheet was rejected."))
            else:
                row.reject("cpr", _("The citizen has no enrolment in the programme."))
            return None
        found = None
        for enrolment in candidates:
            if enrolment.referred_on <= on:
                found = enrolment
        if found is None:
            row.reject(
                date_column,
                _("The date is before the referral date (%(date)s).")
                % {"date": candidates[0].referred_on.strftime("%d.%m.%Y")},
            )
        return found

    def load_step_keys(self, enrolment_ids):
        missing = [e for e in enrolment_ids if e not in self.step_keys]
        for e in missing:
            self.step_keys[e] = {}
        for chunk in chunks(missing):
            for change in StepChange.objects.filter(enrolment_id__in=chunk):
                self.step_keys[change.enrolment_id][(change.step, change.changed_on)] = change

    def load_light_keys(self, citizen_ids):
        missing = [c for c in citizen_ids if c not in self.light_keys]
        for c in missing:
            self.light_keys[c] = set()
        for chunk in chunks(missing):
            for citizen_id, light, on in TrafficLightChange.objects.filter(citizen_id__in=chunk).values_list(
                "citizen_id", "light", "changed_on"
            ):
                self.light_keys[citizen_id].add((light, on))

    def add_step(self, enrolment_id, step, on, note=""):
        """A derived step change, unless the history already holds it."""
        if (step, on) in self.step_keys[enrolment_id]:
            return None
        change = self.add(
            StepChange, enrolment_id=enrolment_id, step=step, changed_on=on, changed_by_id=self.user_pk, note=note
        )
        self.step_keys[enrolment_id][(step, on)] = change
        self.touched_enrolments.add(enrolment_id)
        return change

    def add_light(self, citizen_id, light, on):
        if (light, on) in self.light_keys[citizen_id]:
            return None
        self.light_keys[citizen_id].add((light, on))
        self.touched_citizens.add(citizen_id)
        return self.add(
            TrafficLightChange, citizen_id=citizen_id, light=light, changed_on=on, changed_by_id=self.user_pk
        )

    def _not_in_future(self, row, name, value):
        if value is not None and value > self.today:
            row.reject(name, _("The date cannot be in the future."))

    def _not_before(self, row, name, value, start):
        """An end (or a later date) never before its start: the actions' rule (cases/rules.py)."""
        self._refuse(row, name, rules.end_before_start_error(start, value))

    @staticmethod
    def _model_rules(row, instance):
        """Reject the row under the columns named by the model's own clean() (the rules full_clean applies)."""
        try:
            instance.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.reject(name, messages[0])

    def _through_action(self, row, sheet, action, /, **arguments):
        """Write a set-up row through its accounts action: the set-up pages' validation and change log. A refusal
        rejects the row under the columns it names (the row's own savepoint is rolled back); returns the action's
        result, or None when refused."""
        try:
            with transaction.atomic():
                return action(acting_user=self.user, **arguments)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.reject("" if name == NON_FIELD_ERRORS else name, messages[0])
            self.reject(row, sheet)
            self.tick()
            return None

    @staticmethod
    def _refuse(row, name, message):
        """Reject the row under the column when a rule of the actions (cases/rules.py) gave a message."""
        if message:
            row.reject(name, message)

    @staticmethod
    def _field_rules(row, model, *names):
        """Reject a cell its model field's validators refuse: the checks full_clean runs in the actions."""
        for name in names:
            if row.get(name):
                try:
                    model._meta.get_field(name).run_validators(row.get(name))
                except ValidationError as error:
                    row.reject(name, " ".join(error.messages))

    # --- The kinds, in dependency order ---------------------------------------------------------------

    # The set-up sheets: programmes, their sites, who works where, and result goals. Few rows, so each is written
    # through its accounts action, as on the set-up pages; only administrators (or the command line without --user)
    # may import them.

    def _may_set_up(self, rows, kind):
        if self.user is None or may(self.user, Capability.ADMINISTER):
            return True
        for row in rows:
            row.reject("", _("Only administrators may import programmes, sites, staff memberships and result goals."))
            self.reject(row, kind)
            self.tick()
        return False

    def _refused(self, row, kind):
        if row.errors:
            self.reject(row, kind)
            self.tick()
            return True
        return False

    def _count(self, kind, created, changed):
        self.counts[kind]["created" if created else "updated" if changed else "unchanged"] += 1
        self.tick()

    def import_programmes(self, rows):
        if not self._may_set_up(rows, "programmes"):
            return
        existing = {schemas.normalise(p.name): p for p in Programme.objects.all()}
        groups = {}
        for group in TargetGroup.objects.all():
            groups[schemas.normalise(group.code)] = groups[schemas.normalise(group.name)] = group
        seen = {}
        for row in rows:
            name = row.get("name")
            row.key = key = schemas.normalise(name)
            self._duplicate(row, "programmes", key, seen, "name")
            programme = existing.get(key)
            starts_on = row.get("starts_on")
            ends_on = row.get("ends_on") if row.has("ends_on") else (programme.ends_on if programme else None)
            self._not_before(row, "ends_on", ends_on, starts_on)
            target_groups = None
            if row.has("target_groups"):
                target_groups = []
                for item in row.value("target_groups"):
                    group = groups.get(schemas.normalise(item))
                    if group is None:
                        row.reject(
                            "target_groups", _("No target group with the code or name %(name)s.") % {"name": item}
                        )
                    else:
                        target_groups.append(group)
            if self._refused(row, "programmes"):
                continue
            values = {"name": name, **{n: row.value(n) for n in ("starts_on", "ends_on", "description") if row.has(n)}}
            created = programme is None
            changed = not created and (
                any(getattr(programme, n) != v for n, v in values.items())
                or (
                    target_groups is not None
                    and set(programme.target_groups.values_list("pk", flat=True)) != {g.pk for g in target_groups}
                )
            )
            if created:
                programme = self._through_action(
                    row, "programmes", create_programme, target_groups=target_groups or (), **values
                )
            elif changed:
                programme = self._through_action(
                    row, "programmes", update_programme, programme=programme, target_groups=target_groups, **values
                )
            if programme is None:
                continue
            existing[key] = self.programmes[key] = programme
            self._count("programmes", created, changed)

    def import_sites(self, rows):
        if not self._may_set_up(rows, "sites"):
            return
        existing = {(site.programme_id, schemas.normalise(site.name)): site for site in Site.objects.all()}
        seen = {}
        for row in rows:
            programme = self.programme(row)
            name = row.get("name")
            if programme is not None:
                row.key = key = (programme.pk, schemas.normalise(name))
                self._duplicate(row, "sites", key, seen, "name")
            if self._refused(row, "sites"):
                continue
            values = {"name": name, **{n: row.value(n) for n in ("kind", "municipality_code") if row.has(n)}}
            if not values.get("kind"):
                values.pop("kind", None)  # an empty cell keeps the kind (a new site is a municipality)
            site = existing.get(key)
            created = site is None
            changed = not created and any(getattr(site, n) != v for n, v in values.items())
            if created:
                site = self._through_action(row, "sites", create_site, programme=programme, **values)
            elif changed:
                site = self._through_action(row, "sites", update_site, site=site, **values)
            if site is None:
                continue
            existing[key] = site
            self.sites[key] = site.pk
            self._count("sites", created, changed)

    def import_memberships(self, rows):
        if not self._may_set_up(rows, "memberships"):
            return
        existing = set(Membership.objects.values_list("user_id", "programme_id", "site_id"))
        seen = {}
        for row in rows:
            user_id = self.user_id(row, "username")
            programme = self.programme(row)
            site_id = None
            if programme is not None and row.get("site"):
                site_id = self.sites.get((programme.pk, schemas.normalise(row.get("site"))))
                if site_id is None:
                    row.reject("site", _("The programme has no site of that name."))
            if user_id is not None and programme is not None:
                row.key = key = (user_id, programme.pk, site_id)
                self._duplicate(row, "memberships", key, seen, "username")
            if self._refused(row, "memberships"):
                continue
            created = key not in existing
            if created:
                added = self._through_action(
                    row,
                    "memberships",
                    add_membership,
                    user=User.objects.get(pk=user_id),
                    programme=programme,
                    site=Site.objects.get(pk=site_id) if site_id else None,
                )
                if added is None:
                    continue
                existing.add(key)
            self._count("memberships", created, False)

    def import_result_goals(self, rows):
        if not self._may_set_up(rows, "result_goals"):
            return
        existing = {
            (g.programme_id, g.metric, g.deadline, g.kind, g.site_id, g.target_group_id): g
            for g in ResultGoal.objects.all()
        }
        groups = {}
        for group in TargetGroup.objects.all():
            groups[schemas.normalise(group.code)] = groups[schemas.normalise(group.name)] = group
        seen = {}
        for row in rows:
            programme = self.programme(row)
            target, part = row.get("target"), row.get("social_economic_target")
            kind = row.get("kind") or ResultGoal.Kind.COUNT
            self._refuse(row, "social_economic_target", result_goal_part_error(target, part))
            if found := share_goal_error(kind, row.get("metric"), target, part):
                self._refuse(row, *found)
            site_id = group = None
            if programme is not None and row.get("site"):
                site_id = self.sites.get((programme.pk, schemas.normalise(row.get("site"))))
                if site_id is None:
                    row.reject("site", _("The programme has no site of that name."))
            if row.get("target_group"):
                group = groups.get(schemas.normalise(row.get("target_group")))
                if group is None:
                    row.reject(
                        "target_group",
                        _("No target group with the code or name %(name)s.") % {"name": row.get("target_group")},
                    )
            if programme is not None:
                row.key = key = (
                    programme.pk,
                    row.get("metric"),
                    row.get("deadline"),
                    kind,
                    site_id,
                    group.pk if group else None,
                )
                self._duplicate(row, "result_goals", key, seen, "deadline")
            if self._refused(row, "result_goals"):
                continue
            values = {"target": target}
            if row.has("social_economic_target"):
                values["social_economic_target"] = part
            if row.has("payment_criterion"):
                values["payment_criterion"] = bool(row.get("payment_criterion"))
            goal = existing.get(key)
            created = goal is None
            changed = not created and any(getattr(goal, n) != v for n, v in values.items())
            if created:
                goal = self._through_action(
                    row,
                    "result_goals",
                    create_result_goal,
                    programme=programme,
                    metric=key[1],
                    deadline=key[2],
                    kind=kind,
                    site=Site.objects.get(pk=site_id) if site_id else None,
                    target_group=group,
                    **values,
                )
                existing[key] = goal
            elif changed:
                goal = self._through_action(row, "result_goals", update_result_goal, goal=goal, **values)
            if goal is None:
                continue
            self._count("result_goals", created, changed)

    def import_companies(self, rows):
        existing = {}
        for chunk in chunks({r.get("cvr") for r in rows}):
            existing.update((c.cvr, c) for c in Company.objects.filter(cvr__in=chunk))
        creates, updates, fields, seen, agreements = [], [], set(), {}, []
        plain = ("name", "industry_code", "kind", "address", "postcode", "city")
        for row in rows:
            row.key = cvr = row.get("cvr")
            if self._duplicate(row, "companies", cvr, seen, "cvr"):
                self.reject(row, "companies")
                continue
            if row.get("industry_code"):
                try:
                    codes.validate_industry_code(row.get("industry_code"))
                except ValidationError as error:
                    row.reject("industry_code", " ".join(error.messages))
            self._field_rules(row, Company, "postcode")
            programme = None
            if row.get("signed_on"):
                programme = self.programme(row)
                self._not_before(row, "agreement_ended_on", row.get("agreement_ended_on"), row.get("signed_on"))
            elif row.get("agreement_ended_on"):
                row.reject("signed_on", _("Give the date the agreement was signed."))
            if row.errors:
                self.reject(row, "companies")
                self.tick()
                continue
            values = {name: row.value(name) for name in plain if row.has(name)}
            company = self._upsert(
                "companies",
                Company,
                existing.get(cvr),
                values,
                lambda v=values, c=cvr: {"cvr": c, **v},
                creates,
                updates,
                fields,
            )
            if programme is not None:
                agreements.append(AgreementRow(company, programme, row.get("signed_on"), row.get("agreement_ended_on")))
            self.tick()
        self._write(Company, creates, updates, fields)
        for company in existing.values():
            self.companies[company.cvr] = company.pk
        for company in creates:
            self.companies[company.cvr] = company.pk
        self._write_network_agreements(agreements)

    def _write_network_agreements(self, agreements):
        """The companies sheet's network agreements, keyed by company, programme and signing date."""
        known = {}
        for chunk in chunks({a.company.pk for a in agreements}):
            for agreement in NetworkAgreement.objects.filter(company_id__in=chunk):
                known[(agreement.company_id, agreement.programme_id, agreement.signed_on)] = agreement
        new, changed = [], []
        for row in agreements:
            agreement = known.get(row.key)
            if agreement is None:
                agreement = known[row.key] = self.add(
                    NetworkAgreement,
                    company_id=row.company.pk,
                    programme_id=row.programme.pk,
                    signed_on=row.signed_on,
                    ended_on=row.ended_on,
                )
                new.append(agreement)
            elif agreement.ended_on != row.ended_on:
                agreement.ended_on = row.ended_on
                changed.append(agreement)
        self._write(NetworkAgreement, new, changed, {"ended_on"})
        self.history["network_agreements"] += len(new) + len(changed)

    def import_openings(self, rows):
        self.load_companies({r.get("cvr") for r in rows})
        programme_of = {id(r): self.programme(r) for r in rows}
        existing = {}
        by_programme = defaultdict(set)
        for r in rows:
            if programme_of[id(r)]:
                by_programme[programme_of[id(r)].pk].add(r.get("external_id"))
        for programme_id, ids in by_programme.items():
            for chunk in chunks(ids):
                for opening in Opening.objects.filter(programme_id=programme_id, external_id__in=chunk):
                    existing[(programme_id, opening.external_id)] = opening
        creates, updates, fields, seen = [], [], set(), {}
        plain = (
            "title",
            "occupation_code",
            "tasks",
            "weekly_hours",
            "days",
            "requirements",
            "danish_level_required",
            "posted_on",
            "filled_on",
            "closed_on",
        )
        for row in rows:
            programme = programme_of[id(row)]
            company_id = self.company(row)
            if programme is not None:
                row.key = (programme.pk, row.get("external_id"))
                self._duplicate(row, "openings", row.key, seen, "external_id")
            self._check_occupation(row, "occupation_code")
            self._not_before(row, "filled_on", row.get("filled_on"), row.get("posted_on"))
            self._not_before(row, "closed_on", row.get("closed_on"), row.get("posted_on"))
            if row.errors:
                self.reject(row, "openings")
                self.tick()
                continue
            values = {name: row.value(name) for name in plain if row.has(name)}
            if row.has("capacity"):
                values["capacity"] = row.value("capacity", 1)
            if row.has("status"):
                values["status"] = row.value("status") or Opening.Status.OPEN
            values["company_id"] = company_id
            self._upsert(
                "openings",
                Opening,
                existing.get(row.key),
                values,
                lambda v=values, p=programme, r=row: {"programme_id": p.pk, "external_id": r.get("external_id"), **v},
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(Opening, creates, updates, fields)
        for opening in [*existing.values(), *creates]:
            self.openings[(opening.programme_id, opening.external_id)] = (opening.pk, opening.company_id)

    def _check_occupation(self, row, name):
        if row.get(name):
            try:
                codes.validate_occupation_code(row.get(name))
            except ValidationError as error:
                row.reject(name, " ".join(error.messages))

    def import_citizens(self, rows):
        existing = {}
        for chunk in chunks({self.cpr_hash(r.get("cpr")) for r in rows}):
            existing.update((c.cpr_hash, c) for c in Citizen.objects.filter(cpr_hash__in=chunk))
        self.load_light_keys([c.pk for c in existing.values()])
        creates, updates, fields, seen, lights = [], [], set(), {}, []
        plain = (
            "first_name",
            "last_name",
            "phone",
            "email",
            "address",
            "postcode",
            "city",
            "origin_group",
            "benefit_type",
            "housing_area",
            "lives_in_vulnerable_housing_area",
            "has_social_free_card",
            "match_category",
        )
        for row in rows:
            digits = row.get("cpr")
            row.key = digest = self.cpr_hash(digits)
            self._duplicate(row, "citizens", digest, seen, "cpr")
            self._field_rules(row, Citizen, "email", "postcode")
            self._not_in_future(row, "traffic_light_on", row.get("traffic_light_on"))
            if row.errors:
                self.reject(row, "citizens")
                self.tick()
                continue
            values = {name: row.value(name) for name in plain if row.has(name)}

            light = row.get("traffic_light")

            def create(v=values, d=digits, h=digest, light=light):
                return {
                    "cpr_encrypted": cpr.encrypt(d),
                    "cpr_hash": h,
                    "birth_date": cpr.birth_date(d),
                    "sex": cpr.sex(d),
                    "traffic_light": light,
                    **v,
                }

            citizen = self._upsert("citizens", Citizen, existing.get(digest), values, create, creates, updates, fields)
            if row.get("traffic_light_on"):
                lights.append((citizen, row.get("traffic_light"), row.get("traffic_light_on")))
            self.tick()
        self._write(Citizen, creates, updates, fields)
        for citizen in [*existing.values(), *creates]:
            self.citizens[citizen.cpr_hash] = citizen.pk
        self.new_citizens.update(c.pk for c in creates)
        self.load_light_keys([c.pk for c in creates])
        history = [change for citizen, light, on in lights if (change := self.add_light(citizen.pk, light, on))]
        self._write(TrafficLightChange, history)
        self.history["traffic_light_changes"] += len(history)

    # The enrolments sheet: check each row, refuse overlapping enrolments, write, then the history an action writes
    # with a start form (step 1, the traffic light, the staff from the start date; step 4 at the end form date).

    def import_enrolments(self, rows):
        self.prepare_enrolment_refs(rows)
        seen = {}
        candidates = [c for row in rows if (c := self._enrolment_candidate(row, seen)) is not None]
        self._refuse_overlapping_enrolments(candidates)
        written, assignments = self._write_enrolments(candidates)
        self._write_enrolment_history(written, assignments)

    def _enrolment_candidate(self, row, seen):
        """The row with its references resolved, or None when the row is rejected."""
        programme = self.programme(row)
        citizen_id = self.citizen(row)
        site_id = None
        if programme is not None:
            self.rejected_keys["enrolments_by_citizen"].add((self.cpr_hash(row.get("cpr")), programme.pk))
            site_id = self.sites.get((programme.pk, schemas.normalise(row.get("site"))))
            if site_id is None:
                row.reject("site", _("No site of that name in the programme."))
        staff = {role: self.user_id(row, role) for role in STAFF_ROLES}
        self._refuse(row, "ended_on", rules.enrolment_end_error(row.get("referred_on"), row.get("ended_on")))
        self._not_in_future(row, "referred_on", row.get("referred_on"))
        self._not_in_future(row, "ended_on", row.get("ended_on"))
        if programme is not None and citizen_id is not None:
            row.key = (citizen_id, programme.pk, row.get("referred_on"))
            self._duplicate(row, "enrolments", row.key, seen, "referred_on")
        if self._refused(row, "enrolments"):
            return None
        self.rejected_keys["enrolments_by_citizen"].discard((self.cpr_hash(row.get("cpr")), programme.pk))
        return EnrolmentCandidate(row, programme, citizen_id, site_id, staff)

    def _refuse_overlapping_enrolments(self, candidates):
        """One citizen's enrolments in one programme must not overlap, the records and the sheet's rows together; a
        row of the sheet replaces the record with its start date."""
        periods = defaultdict(list)
        for enrolment in (e for group in self.enrolments.values() for e in group):
            periods[(enrolment.citizen_id, enrolment.programme_id)].append(
                Period(enrolment.referred_on, enrolment.ended_on)
            )
        for candidate in candidates:
            group = periods[(candidate.citizen_id, candidate.programme.pk)]
            group[:] = [p for p in group if p.starts_on != candidate.referred_on or p.row is not None]
            group.append(Period(candidate.referred_on, candidate.ended_on, candidate.row))
        for group in periods.values():
            group.sort(key=lambda p: (p.starts_on, p.row is not None))
            for before, after in zip(group, group[1:], strict=False):
                if before.overlaps(after):
                    self._refuse_overlap(after.row or before.row)

    def _refuse_overlap(self, offender):
        if offender is None or offender.errors:
            return
        offender.reject("referred_on", _("The citizen is already enrolled in the programme in this period."))
        self.rejected_keys["enrolments_by_citizen"].add((self.cpr_hash(offender.get("cpr")), offender.programme.pk))

    def _write_enrolments(self, candidates):
        """Create or update the enrolments; returns them and the staff assignments their rows make."""
        existing = {
            (e.citizen_id, e.programme_id, e.referred_on): e for group in self.enrolments.values() for e in group
        }
        self.load_step_keys([e.pk for e in existing.values()])
        creates, updates, fields, written, assignments = [], [], set(), [], []
        for candidate in candidates:
            record = existing.get(candidate.row.key)
            if self._refused(candidate.row, "enrolments") or not self._may_update_enrolment(candidate.row, record):
                continue
            values = self._enrolment_values(candidate)
            before = {role: getattr(record, f"{role}_id") for role in STAFF_ROLES} if record else {}
            create = functools.partial(candidate.create_values, values)
            enrolment = self._upsert("enrolments", Enrolment, record, values, create, creates, updates, fields)
            written.append(enrolment)
            assignments += self._assignments(candidate, enrolment, values, before if record else None)
            self.tick()
        self._write(Enrolment, creates, updates, fields)
        for enrolment in creates:
            group = self.enrolments[(enrolment.citizen_id, enrolment.programme_id)]
            group.append(enrolment)
            group.sort(key=lambda e: e.referred_on)
        self.load_step_keys([e.pk for e in creates])
        return written, assignments

    def _may_update_enrolment(self, row, record):
        if record is not None and record.ended_on is not None and row.get("ended_on") != record.ended_on:
            row.reject("ended_on", _("The end form date of an ended enrolment cannot be changed by an import."))
            return not self._refused(row, "enrolments")
        return True

    @staticmethod
    def _enrolment_values(candidate):
        """The fields the row gives (an optional column left out of the sheet leaves its field as it is)."""
        row = candidate.row
        values = {
            "site_id": candidate.site_id,
            "traffic_light_at_referral": row.get("traffic_light_at_referral"),
            "estimated_weekly_hours": row.get("estimated_weekly_hours"),
        }
        for name in ("ended_on", "referral_text", "external_id"):
            if row.has(name):
                values[name] = row.value(name)
        for role, user_id in candidate.staff.items():
            if row.has(role):
                values[f"{role}_id"] = user_id
        return values

    def _assignments(self, candidate, enrolment, values, before):
        """The staff the row assigns that the enrolment did not have (`before` None: a new enrolment). A new one is
        assigned from the start form date; a change from today, within the enrolment's life."""
        if before is None:
            on = enrolment.referred_on
        else:
            on = max(enrolment.referred_on, min(self.today, enrolment.ended_on or self.today))
        return [
            Assignment(enrolment, role, values[f"{role}_id"], on)
            for role in STAFF_ROLES
            if candidate.row.has(role)
            and values[f"{role}_id"]
            and (before is None or before[role] != values[f"{role}_id"])
        ]

    def _write_enrolment_history(self, written, assignments):
        self.load_light_keys({e.citizen_id for e in written})
        steps, lights = [], []
        for enrolment in written:
            self.touched_enrolments.add(enrolment.pk)
            steps.append(self.add_step(enrolment.pk, Step.CLARIFICATION, enrolment.referred_on))
            if enrolment.ended_on:
                steps.append(self.add_step(enrolment.pk, Step.ENDED, enrolment.ended_on))
            lights.append(
                self.add_light(enrolment.citizen_id, enrolment.traffic_light_at_referral, enrolment.referred_on)
            )
        steps = [s for s in steps if s]
        lights = [li for li in lights if li]
        self._write(StepChange, steps)
        self._write(TrafficLightChange, lights)
        new_assignments = self._write_assignments(assignments)
        self.history.update(
            step_changes=len(steps), traffic_light_changes=len(lights), assignment_changes=len(new_assignments)
        )

    def _write_assignments(self, assignments):
        """The assignment history rows not already there (the same person, role and date)."""
        known = set()
        for chunk in chunks({a.enrolment.pk for a in assignments}):
            known.update(
                AssignmentChange.objects.filter(enrolment_id__in=chunk).values_list(
                    "enrolment_id", "role", "user_id", "changed_on"
                )
            )
        new = []
        for assignment in assignments:
            if assignment.key in known:
                continue
            known.add(assignment.key)
            new.append(
                self.add(
                    AssignmentChange,
                    enrolment_id=assignment.enrolment.pk,
                    role=assignment.role,
                    user_id=assignment.user_id,
                    changed_on=assignment.on,
                    changed_by_id=self.user_pk,
                )
            )
        self._write(AssignmentChange, new)
        return new

    def import_step_changes(self, rows):
        self.prepare_enrolment_refs(rows)
        resolved = []
        for row in rows:
            enrolment = self.enrolment(row, row.get("changed_on"), "changed_on")
            resolved.append(enrolment)
        self.load_step_keys({e.pk for e in resolved if e})
        seen, creates, updates = {}, [], []
        for row, enrolment in zip(rows, resolved, strict=True):
            step, on = row.get("step"), row.get("changed_on")
            self._not_in_future(row, "changed_on", on)
            if enrolment is not None:
                row.key = (enrolment.pk, step, on)
                self._duplicate(row, "step_changes", row.key, seen, "changed_on")
                if enrolment.ended_on and on > enrolment.ended_on:
                    row.reject("changed_on", _("The enrolment had ended by then."))
                if step == Step.ENDED and on != enrolment.ended_on:
                    row.reject("step", _("Step 4 (ended) follows from the end form date in the enrolments sheet."))
            if row.errors:
                self.reject(row, "step_changes")
                self.tick()
                continue
            # The start form's step 1 and the end form's step 4 may already be there from the enrolments sheet.
            record = self.step_keys[enrolment.pk].get((step, on))
            values = {"note": row.value("note")} if row.has("note") else {}
            change = self._upsert(
                "step_changes",
                StepChange,
                record,
                values,
                lambda e=enrolment, s=step, d=on, v=values: {
                    "enrolment_id": e.pk,
                    "step": s,
                    "changed_on": d,
                    "changed_by_id": self.user_pk,
                    **v,
                },
                creates,
                updates,
                set(),
            )
            self.step_keys[enrolment.pk][(step, on)] = change
            self.touched_enrolments.add(enrolment.pk)
            self.tick()
        self._write(StepChange, creates, updates, {"note"})

    def _citizens_in_scope(self, rows):
        """The citizen of each row, None (the row refused) for one the user may not see: the CV lines and job goals
        of a citizen who was in jobbro before this import are written only within the importing user's scope (as on
        the citizen's pages), and the refusal reads as for an unknown CPR number, so a file cannot probe for one."""
        self.load_citizens({self.cpr_hash(r.get("cpr")) for r in rows})
        citizen_ids = [self.citizen(r) for r in rows]
        if self.user is None or access.sees_everything(self.user):
            return citizen_ids
        known = {c for c in citizen_ids if c is not None and c not in self.new_citizens}
        visible = set()
        for chunk in chunks(known):
            visible.update(Citizen.objects.filter(pk__in=chunk).visible_to(self.user).values_list("pk", flat=True))
        result = []
        for row, citizen_id in zip(rows, citizen_ids, strict=True):
            if citizen_id in known and citizen_id not in visible:
                row.reject("cpr", _("No citizen with this CPR number, neither in jobbro nor in the citizens sheet."))
                citizen_id = None
            result.append(citizen_id)
        return result

    def import_cv(self, rows):
        citizen_ids = self._citizens_in_scope(rows)
        existing = {}
        for chunk in chunks({c for c in citizen_ids if c}):
            for entry in CVEntry.objects.filter(citizen_id__in=chunk):
                existing[(entry.citizen_id, entry.kind, entry.title, entry.organisation, entry.starts_on)] = entry
        creates, updates, fields, seen = [], [], set(), {}
        for row, citizen_id in zip(rows, citizen_ids, strict=True):
            self._not_before(row, "ends_on", row.get("ends_on"), row.get("starts_on"))
            self._not_in_future(row, "recorded_on", row.get("recorded_on"))
            if citizen_id is not None:
                row.key = (
                    citizen_id,
                    row.get("kind"),
                    row.get("title"),
                    row.value("organisation"),
                    row.get("starts_on"),
                )
                self._duplicate(row, "cv", row.key, seen, "title")
            if row.errors:
                self.reject(row, "cv")
                self.tick()
                continue
            values = {name: row.value(name) for name in ("ends_on", "description", "recorded_on") if row.has(name)}
            self._upsert(
                "cv",
                CVEntry,
                existing.get(row.key),
                values,
                lambda k=row.key, v=values: {
                    "citizen_id": k[0],
                    "kind": k[1],
                    "title": k[2],
                    "organisation": k[3],
                    "starts_on": k[4],
                    **v,
                },
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(CVEntry, creates, updates, fields)

    def import_job_goals(self, rows):
        """Job goals and wishes, each a dated row (an adjustment in jobbro closes one and adds another): found by
        citizen, kind, occupation and date set; the words and the date replaced are compared and written."""
        citizen_ids = self._citizens_in_scope(rows)
        existing = {}
        for chunk in chunks({c for c in citizen_ids if c}):
            for goal in JobGoal.objects.filter(citizen_id__in=chunk):
                existing[(goal.citizen_id, goal.kind, goal.occupation_code, goal.set_on)] = goal
        creates, updates, fields, seen = [], [], set(), {}
        for row, citizen_id in zip(rows, citizen_ids, strict=True):
            self._check_occupation(row, "occupation_code")
            self._not_in_future(row, "set_on", row.get("set_on"))
            self._not_in_future(row, "replaced_on", row.get("replaced_on"))
            self._not_before(row, "replaced_on", row.get("replaced_on"), row.get("set_on"))
            if citizen_id is not None:
                row.key = (citizen_id, row.get("kind"), row.value("occupation_code"), row.get("set_on"))
                self._duplicate(row, "job_goals", row.key, seen, "set_on")
            if row.errors:
                self.reject(row, "job_goals")
                self.tick()
                continue
            values = {name: row.value(name) for name in ("text", "replaced_on") if row.has(name)}
            self._upsert(
                "job_goals",
                JobGoal,
                existing.get(row.key),
                values,
                lambda k=row.key, v=values: {
                    "citizen_id": k[0],
                    "kind": k[1],
                    "occupation_code": k[2],
                    "set_on": k[3],
                    **v,
                },
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(JobGoal, creates, updates, fields)

    def _load_by_external_id(self, model, rows, programme_of, programme_path):
        existing = {}
        by_programme = defaultdict(set)
        for r in rows:
            if programme_of.get(id(r)) is not None:
                by_programme[programme_of[id(r)].pk].add(r.get("external_id"))
        for programme_id, ids in by_programme.items():
            for chunk in chunks(ids):
                for obj in model.objects.filter(**{programme_path: programme_id, "external_id__in": chunk}):
                    existing[(programme_id, obj.external_id)] = obj
            for obj in _records_by_own_id(model, programme_path, programme_id, ids):
                existing.setdefault((programme_id, own_id(obj)), obj)
        return existing

    def import_job_plans(self, rows):
        self.prepare_enrolment_refs(rows)
        resolved = [(r, self.enrolment(r, r.get("created_on"), "created_on")) for r in rows]
        programme_of = {id(r): self.programme(r) for r in rows}
        existing = self._load_by_external_id(JobPlan, rows, programme_of, "enrolment__programme_id")
        creates, updates, fields, seen = [], [], set(), {}
        for row, enrolment in resolved:
            programme = programme_of[id(row)]
            self._not_in_future(row, "created_on", row.get("created_on"))
            self._not_before(row, "closed_on", row.get("closed_on"), row.get("created_on"))
            self._check_occupation(row, "target_occupation_code")
            self._refuse(
                row,
                "target_occupation_code",
                rules.job_package_error(row.value("is_job_package"), row.get("target_occupation_code")),
            )
            if programme is not None:
                row.key = (programme.pk, row.get("external_id"))
                self._duplicate(row, "job_plans", row.key, seen, "external_id")
            if row.errors or enrolment is None:
                self.reject(row, "job_plans")
                self.tick()
                continue
            values = {"enrolment_id": enrolment.pk, "title": row.get("title"), "created_on": row.get("created_on")}
            for name in ("is_job_package", "target_occupation_code", "closed_on"):
                if row.has(name):
                    values[name] = row.value(name)
            self.plans[row.key] = self._upsert(
                "job_plans",
                JobPlan,
                existing.get(row.key),
                values,
                lambda v=values, r=row: {"external_id": r.get("external_id"), **v},
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(JobPlan, creates, updates, fields)
        for key, plan in existing.items():
            self.plans.setdefault(key, plan)

    def _load_plans(self, rows, programme_of):
        wanted = defaultdict(set)
        for r in rows:
            p = programme_of[id(r)]
            if p is not None and (p.pk, r.get("plan")) not in self.plans:
                wanted[p.pk].add(r.get("plan"))
        for programme_id, ids in wanted.items():
            for chunk in chunks(ids):
                for plan in JobPlan.objects.filter(enrolment__programme_id=programme_id, external_id__in=chunk):
                    self.plans[(programme_id, plan.external_id)] = plan

    def import_milestones(self, rows):
        programme_of = {id(r): self.programme(r) for r in rows}
        self._load_plans(rows, programme_of)
        plan_ids = {
            self.plans[(programme_of[id(r)].pk, r.get("plan"))].pk
            for r in rows
            if programme_of[id(r)] and (programme_of[id(r)].pk, r.get("plan")) in self.plans
        }
        existing = {}
        for chunk in chunks(plan_ids):
            for milestone in Milestone.objects.filter(plan_id__in=chunk):
                existing[(milestone.plan_id, milestone.kind, milestone.due_on)] = milestone
        creates, updates, fields, seen = [], [], set(), {}
        for row in rows:
            programme = programme_of[id(row)]
            plan = self.plans.get((programme.pk, row.get("plan"))) if programme else None
            if programme is not None and plan is None:
                if (programme.pk, row.get("plan")) in self.rejected_keys["job_plans"]:
                    row.reject("plan", _("The plan's row in the job plans sheet was rejected."))
                else:
                    row.reject("plan", _("No job plan with this id in the programme."))
            if plan is not None:
                self._refuse(row, "due_on", rules.milestone_before_plan_error(plan.created_on, row.get("due_on")))
                self._refuse(
                    row,
                    "completed_on",
                    rules.milestone_before_plan_error(plan.created_on, row.get("completed_on"), done=True),
                )
                row.key = (plan.pk, row.get("kind"), row.get("due_on"))
                self._duplicate(row, "milestones", row.key, seen, "due_on")
            self._not_in_future(row, "completed_on", row.get("completed_on"))
            if row.errors:
                self.reject(row, "milestones")
                self.tick()
                continue
            values = {}
            if row.has("title"):
                values["title"] = row.get("title") or self._milestone_title(row.get("kind"))
            if row.has("completed_on"):
                values["completed_on"] = row.value("completed_on")
            self._upsert(
                "milestones",
                Milestone,
                existing.get(row.key),
                values,
                lambda p=plan, r=row, v=values: {
                    "plan_id": p.pk,
                    "kind": r.get("kind"),
                    "due_on": r.get("due_on"),
                    "title": self._milestone_title(r.get("kind")),
                    **v,
                },
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(Milestone, creates, updates, fields)

    @staticmethod
    def _milestone_title(kind):
        from django.conf import settings

        with translation.override(settings.LANGUAGE_CODE):
            return str(Milestone.Kind(kind).label)

    def import_placements(self, rows):
        self.prepare_enrolment_refs(rows)
        self.load_companies({r.get("cvr") for r in rows})
        resolved = [(r, self.enrolment(r, r.get("starts_on"), "starts_on")) for r in rows]
        programme_of = {id(r): self.programme(r) for r in rows}
        self._load_openings(rows, programme_of)
        existing = self._load_by_external_id(Placement, rows, programme_of, "enrolment__programme_id")
        start_agreements = {}  # placement id -> the first agreed hours in its history
        for chunk in chunks([p.pk for p in existing.values()]):
            for change in AgreedHoursChange.objects.filter(placement_id__in=chunk).order_by("-from_date", "-id"):
                start_agreements[change.placement_id] = change.ordinary_hours
        creates, updates, fields, seen, agreements = [], [], set(), {}, []
        plain = (
            "kind",
            "starts_on",
            "planned_end_on",
            "ended_on",
            "purpose",
            "ordinary_hours_condition",
            "no_hours_reason",
            "end_reason",
            "end_note",
        )
        for row, enrolment in resolved:
            programme = programme_of[id(row)]
            company_id = self.company(row)
            opening_id = None
            if row.get("opening") and programme is not None:
                opening = self.openings.get((programme.pk, row.get("opening")))
                if opening is None:
                    row.reject("opening", _("No opening with this id in the programme."))
                elif company_id is not None and (
                    message := rules.opening_error(opening[1], programme.pk, company_id, programme.pk)
                ):
                    row.reject("opening", message)
                else:
                    opening_id = opening[0]
            ends = row.get("ended_on")
            self._not_in_future(row, "ended_on", ends)
            if ends and not row.get("end_reason"):
                row.reject("end_reason", _("Give the reason the placement ended."))
            if row.get("end_reason") and not ends:
                row.reject("ended_on", _("An end reason needs the date the placement ended."))
            if enrolment is not None and enrolment.ended_on and (ends is None or ends > enrolment.ended_on):
                row.reject(
                    "ended_on",
                    _("The placement must end by the end form date (%(date)s).")
                    % {"date": enrolment.ended_on.strftime("%d.%m.%Y")},
                )
            if programme is not None:
                row.key = (programme.pk, row.get("external_id"))
                self._duplicate(row, "placements", row.key, seen, "external_id")
            record = existing.get(row.key)
            agreed = (
                row.get("agreed_ordinary_hours")
                if row.has("agreed_ordinary_hours")
                else (record.agreed_ordinary_hours if record else None)
            )
            condition = (
                row.value("ordinary_hours_condition")
                if row.has("ordinary_hours_condition")
                else (record.ordinary_hours_condition if record else "")
            )
            reason = (
                row.value("no_hours_reason")
                if row.has("no_hours_reason")
                else (record.no_hours_reason if record else "")
            )
            # The placement's own rules (Placement.clean, as the action's full_clean applies them): an end and a
            # planned end never before the start, and an agreement on ordinary hours, a condition or a reason.
            self._model_rules(
                row,
                Placement(
                    starts_on=row.get("starts_on"),
                    ended_on=ends,
                    planned_end_on=row.get("planned_end_on"),
                    agreed_ordinary_hours=agreed,
                    ordinary_hours_condition=condition,
                    no_hours_reason=reason,
                ),
            )
            if record is not None and row.has("agreed_ordinary_hours"):
                at_start = start_agreements.get(record.pk, record.agreed_ordinary_hours)
                if agreed != at_start:
                    row.reject(
                        "agreed_ordinary_hours",
                        _(
                            "The agreement at the start cannot be changed by an import; change the hours on the placement page, which keeps the history."
                        ),
                    )
            if record is None and OWN_ID.match(str(row.get("external_id") or "")):
                row.reject(
                    "external_id",
                    _(
                        "An id of the form jobbro-<number> names a placement made in jobbro; none has this number in the programme."
                    ),
                )
            if row.errors or enrolment is None or company_id is None:
                self.reject(row, "placements")
                self.tick()
                continue
            values = {name: row.value(name) for name in plain if row.has(name)}
            values.update(enrolment_id=enrolment.pk, company_id=company_id)
            if row.has("opening"):
                values["opening_id"] = opening_id
            # The legal basis as the sheet gives it; a new placement without one gets its kind's usual one.
            if row.get("legal_basis"):
                values["legal_basis"] = row.value("legal_basis")
            elif record is None:
                values["legal_basis"] = default_legal_basis(row.value("kind"))
            if record is None:
                values["agreed_ordinary_hours"] = agreed
            placement = self.placements[row.key] = self._upsert(
                "placements",
                Placement,
                record,
                values,
                lambda v=values, r=row: {"external_id": r.get("external_id"), **v},
                creates,
                updates,
                fields,
            )
            if agreed is not None and (record is None or record.pk not in start_agreements):
                agreements.append(placement)
            self.tick()
        self._write(Placement, creates, updates, fields)
        for key, placement in existing.items():
            self.placements.setdefault(key, placement)
        history = [
            self.add(
                AgreedHoursChange,
                placement_id=p.pk,
                from_date=p.starts_on,
                ordinary_hours=p.agreed_ordinary_hours,
                internship_hours=ZERO,
            )
            for p in agreements
        ]
        self._write(AgreedHoursChange, history)
        self.history["agreed_hours_changes"] += len(history)

    def _load_openings(self, rows, programme_of):
        wanted = defaultdict(set)
        for r in rows:
            p = programme_of[id(r)]
            if p is not None and r.get("opening") and (p.pk, r.get("opening")) not in self.openings:
                wanted[p.pk].add(r.get("opening"))
        for programme_id, ids in wanted.items():
            for chunk in chunks(ids):
                for pk, external_id, company_id in Opening.objects.filter(
                    programme_id=programme_id, external_id__in=chunk
                ).values_list("pk", "external_id", "company_id"):
                    self.openings[(programme_id, external_id)] = (pk, company_id)

    def _load_placements(self, rows, programme_of, column="placement"):
        wanted = defaultdict(set)
        for r in rows:
            p = programme_of[id(r)]
            if p is not None and (p.pk, r.get(column)) not in self.placements:
                wanted[p.pk].add(r.get(column))
        for programme_id, ids in wanted.items():
            for chunk in chunks(ids):
                for placement in Placement.objects.filter(enrolment__programme_id=programme_id, external_id__in=chunk):
                    self.placements[(programme_id, placement.external_id)] = placement
            for placement in _records_by_own_id(Placement, "enrolment__programme_id", programme_id, ids):
                self.placements.setdefault((programme_id, own_id(placement)), placement)

    def _placement_instance(self, placement):
        """A placement row (a record, or one this import queued) as a Placement, for the rules that read its
        properties (Placement.has_internship_part)."""
        if isinstance(placement, Placement):
            return placement
        found = self._placement_instances.get(placement.pk)
        if found is None:
            found = self._placement_instances[placement.pk] = Placement(
                pk=placement.pk,
                kind=placement.kind,
                starts_on=placement.starts_on,
                ended_on=placement.ended_on,
                agreed_internship_hours=placement.agreed_internship_hours,
            )
        return found

    def import_timesheets(self, rows):
        """The biggest sheet by far: existing weeks are compared as tuples, and only changed ones become instances."""
        programme_of = {id(r): self.programme(r) for r in rows}
        self._load_placements(rows, programme_of)
        wanted = {
            self.placements[k].pk
            for r in rows
            if programme_of[id(r)] and (k := (programme_of[id(r)].pk, r.get("placement"))) in self.placements
        }
        existing = {}
        for chunk in chunks(wanted):
            for pk, placement_id, week, ordinary, internship, subsidised in Timesheet.objects.filter(
                placement_id__in=chunk
            ).values_list("pk", "placement_id", "week_start", "ordinary_hours", "internship_hours", "subsidised_hours"):
                existing[(placement_id, week)] = (pk, ordinary, internship, subsidised)
        updates, seen = [], {}
        counts = self.counts["timesheets"]
        writer = self.writer(Timesheet)
        user_id = self.user_pk
        as_placement = self._placement_instance
        for row in rows:
            programme = programme_of[id(row)]
            placement = self.placements.get((programme.pk, row.values["placement"])) if programme else None
            week = row.values["week_start"]
            if programme is not None and placement is None:
                if (programme.pk, row.get("placement")) in self.rejected_keys["placements"]:
                    row.reject("placement", _("The placement's row in the placements sheet was rejected."))
                else:
                    row.reject("placement", _("No placement with this id in the programme."))
            # The week's rule is the pages' and the action's (cases/rules.py): together at most 60 hours.
            for name, refusals in rules.week_hours_errors(
                row.values.get("ordinary_hours", ZERO), row.values.get("internship_hours", ZERO)
            ).items():
                row.reject(name, refusals[0])
            if placement is not None:
                # The action's rules for a week (cases/rules.py): inside the placement's period, a week that has
                # ended, internship hours only on a placement with an internship part.
                self._refuse(row, "week_start", rules.week_outside_placement_error(placement, week))
                for name, refusals in rules.timesheet_errors(
                    as_placement(placement), week, row.values.get("internship_hours", ZERO), today=self.today
                ).items():
                    row.reject(name, refusals[0])
                row.key = (placement.pk, week)
                self._duplicate(row, "timesheets", row.key, seen, "week_start")
                self._check_subsidised_hours(row, as_placement(placement), existing.get(row.key))
            if row.errors:
                self.reject(row, "timesheets")
                self.tick()
                continue
            ordinary = row.values.get("ordinary_hours", ZERO)
            internship = row.values.get("internship_hours", ZERO)
            record = existing.get(row.key)
            subsidised = self._subsidised_hours(row, record)
            if record is None:
                writer.add(
                    {
                        "placement_id": placement.pk,
                        "week_start": week,
                        "registered_by_id": user_id,
                        "ordinary_hours": ordinary,
                        "internship_hours": internship,
                        "subsidised_hours": subsidised,
                    },
                    record=False,
                )
                self.written.add(Placement, placement)  # its weeks: the case's facts, the company's record
                counts["created"] += 1
            elif record[1:] != (ordinary, internship, subsidised):
                updates.append(
                    Timesheet(
                        pk=record[0],
                        placement_id=placement.pk,
                        week_start=week,
                        ordinary_hours=ordinary,
                        internship_hours=internship,
                        subsidised_hours=subsidised,
                        registered_by_id=user_id,
                        registered_at=self.now,
                    )
                )
                self.written.add(Placement, placement)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            self.tick()
        self._write(
            Timesheet,
            (),
            updates,
            {"ordinary_hours", "internship_hours", "subsidised_hours", "registered_by", "registered_at"},
        )

    @staticmethod
    def _subsidised_hours(row, record):
        """The week's subsidised hours (løntilskud): the cell's, or, when the cell is empty or the column absent, the
        week's as they are (0 for a new week), so an import from a system that does not know them clears nothing."""
        typed = row.values.get("subsidised_hours")
        if typed is not None:
            return typed
        return record[3] if record is not None else ZERO

    def _check_subsidised_hours(self, row, placement, record):
        """The action's rules for subsidised hours (cases/actions.register_hours): only on a wage-subsidy placement,
        and the week's three figures together at most 60."""
        if row.errors:
            return
        subsidised = self._subsidised_hours(row, record)
        self._refuse(row, "subsidised_hours", rules.subsidy_part_error(placement, subsidised))
        total = row.values.get("ordinary_hours", ZERO) + row.values.get("internship_hours", ZERO) + subsidised
        if not row.errors and total > MAX_WEEKLY_HOURS:
            row.reject("subsidised_hours", rules.week_total_with_subsidy_message())

    def import_contacts(self, rows):
        self.prepare_enrolment_refs(rows)
        self.load_companies({r.get("cvr") for r in rows if r.get("cvr")})
        resolved = [(r, self.enrolment(r, r.get("occurred_on"), "occurred_on")) for r in rows]
        programme_of = {id(r): self.programme(r) for r in rows}
        existing = self._load_by_external_id(Contact, rows, programme_of, "enrolment__programme_id")
        present = defaultdict(set)
        for chunk in chunks([c.pk for c in existing.values()]):
            for contact_id, user_id in ContactStaff.objects.filter(contact_id__in=chunk).values_list(
                "contact_id", "user_id"
            ):
                present[contact_id].add(user_id)
        creates, updates, fields, seen, staff_sets = [], [], set(), {}, []
        for row, enrolment in resolved:
            programme = programme_of[id(row)]
            company_id = self.company(row) if row.get("cvr") else None
            staff = set()
            for username in row.value("staff"):
                user_id = self.users.get(username.lower())
                if user_id is None:
                    row.reject("staff", _("No staff user with the username %(username)s.") % {"username": username})
                staff.add(user_id)
            on = row.get("occurred_on")
            self._not_in_future(row, "occurred_on", on)
            if enrolment is not None:
                self._refuse(row, "kind", rules.contact_kind_error(enrolment, row.get("kind"), on))
            if programme is not None:
                row.key = (programme.pk, row.get("external_id"))
                self._duplicate(row, "contacts", row.key, seen, "external_id")
            if row.errors or enrolment is None:
                self.reject(row, "contacts")
                self.tick()
                continue
            values = {"enrolment_id": enrolment.pk, "kind": row.get("kind"), "occurred_on": on}
            for name, attname, value in (("cvr", "company_id", company_id), ("note", "note", row.value("note"))):
                if row.has(name):
                    values[attname] = value
            record = existing.get(row.key)
            before = self.counts["contacts"]["unchanged"]
            contact = self._upsert(
                "contacts",
                Contact,
                record,
                values,
                lambda v=values, r=row: {"external_id": r.get("external_id"), "registered_by_id": self.user_pk, **v},
                creates,
                updates,
                fields,
            )
            if row.has("staff") and (record is None or present[record.pk] != staff):
                if record is not None and self.counts["contacts"]["unchanged"] > before:
                    self.counts["contacts"]["unchanged"] -= 1
                    self.counts["contacts"]["updated"] += 1
                staff_sets.append((contact, staff))
            self.tick()
        self._write(Contact, creates, updates, fields)
        replace = [c.pk for c, _s in staff_sets if c.pk in present]
        for chunk in chunks(replace):
            ContactStaff.objects.filter(contact_id__in=chunk).delete()
        for contact, staff in staff_sets:
            for user_id in sorted(staff):
                self.add(ContactStaff, contact_id=contact.pk, user_id=user_id)
        self._write(ContactStaff)

    def import_outcomes(self, rows):
        self.prepare_enrolment_refs(rows)
        resolved = [(r, self.enrolment(r, r.get("measured_on"), "measured_on")) for r in rows]
        existing = {}
        for chunk in chunks({e.pk for _r, e in resolved if e and e.pk}):
            for outcome in Outcome.objects.filter(enrolment_id__in=chunk):
                existing[(outcome.enrolment_id, outcome.kind, outcome.measured_on)] = outcome
        creates, updates, fields, seen = [], [], set(), {}
        for row, enrolment in resolved:
            kind, on, status = row.get("kind"), row.get("measured_on"), row.get("status")
            self._not_in_future(row, "measured_on", on)
            if enrolment is not None:
                if kind == Outcome.Kind.EXIT:
                    self._refuse(row, "status", rules.exit_status_error(status))
                    if enrolment.ended_on != on:
                        row.reject(
                            "measured_on",
                            _("The outcome at exit is dated on the end form date in the enrolments sheet."),
                        )
                else:
                    self._refuse(row, "measured_on", rules.follow_up_date_error(enrolment, on))
                row.key = (enrolment.pk, kind, on)
                self._duplicate(row, "outcomes", row.key, seen, "measured_on")
            if row.errors or enrolment is None:
                self.reject(row, "outcomes")
                self.tick()
                continue
            values = {"status": status}
            if row.has("note"):
                values["note"] = row.value("note")
            self._upsert(
                "outcomes",
                Outcome,
                existing.get(row.key),
                values,
                lambda e=enrolment, k=kind, d=on, v=values: {
                    "enrolment_id": e.pk,
                    "kind": k,
                    "measured_on": d,
                    "registered_by_id": self.user_pk,
                    **v,
                },
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(Outcome, creates, updates, fields)

    def import_progression(self, rows):
        self.prepare_enrolment_refs(rows)
        resolved = [(r, self.enrolment(r, r.get("assessed_on"), "assessed_on")) for r in rows]
        existing = {}
        for chunk in chunks({e.pk for _r, e in resolved if e}):
            for assessment in ProgressionAssessment.objects.filter(enrolment_id__in=chunk):
                existing[(assessment.enrolment_id, assessment.assessed_on)] = assessment
        creates, updates, fields, seen = [], [], set(), {}
        for row, enrolment in resolved:
            self._not_in_future(row, "assessed_on", row.get("assessed_on"))
            if enrolment is not None:
                row.key = (enrolment.pk, row.get("assessed_on"))
                self._duplicate(row, "progression", row.key, seen, "assessed_on")
            if row.errors or enrolment is None:
                self.reject(row, "progression")
                self.tick()
                continue
            values = {d: row.get(d) for d in PROGRESSION_DIMENSIONS}
            assessed_on = row.get("assessed_on")
            self._upsert(
                "progression",
                ProgressionAssessment,
                existing.get(row.key),
                values,
                lambda e=enrolment, d=assessed_on, v=values: {"enrolment_id": e.pk, "assessed_on": d, **v},
                creates,
                updates,
                fields,
            )
            self.tick()
        self._write(ProgressionAssessment, creates, updates, fields)

    # --- The current fields follow the history ------------------------------------------------------

    def follow_history(self):
        latest = {}
        for chunk in chunks(self.touched_enrolments):
            for enrolment_id, step in (
                StepChange.objects.filter(enrolment_id__in=chunk)
                .order_by("changed_on", "id")
                .values_list("enrolment_id", "step")
            ):
                latest[enrolment_id] = step
        by_step = defaultdict(list)
        for chunk in chunks(self.touched_enrolments):
            for pk, step in Enrolment.objects.filter(pk__in=chunk).values_list("pk", "current_step"):
                if pk in latest and latest[pk] != step:
                    by_step[latest[pk]].append(pk)
        for step, pks in by_step.items():
            self.written.ids["enrolment"].update(pks)
            for chunk in chunks(pks):
                Enrolment.objects.filter(pk__in=chunk).update(current_step=step)
        self.history["current_steps_followed"] += sum(len(p) for p in by_step.values())
        lights = {}
        for chunk in chunks(self.touched_citizens):
            for citizen_id, light in (
                TrafficLightChange.objects.filter(citizen_id__in=chunk)
                .order_by("changed_on", "id")
                .values_list("citizen_id", "light")
            ):
                lights[citizen_id] = light
        by_light = defaultdict(list)
        for chunk in chunks(self.touched_citizens):
            for pk, light in Citizen.objects.filter(pk__in=chunk).values_list("pk", "traffic_light"):
                if pk in lights and lights[pk] != light:
                    by_light[lights[pk]].append(pk)
        for light, pks in by_light.items():
            for chunk in chunks(pks):
                Citizen.objects.filter(pk__in=chunk).update(traffic_light=light)
        self.history["traffic_lights_followed"] += sum(len(p) for p in by_light.values())

    def process(self, book):
        self.total = book.total_rows
        self.tick(0, force=True)  # the file is read: the rows are counted
        by_kind = defaultdict(list)
        for raw in book.sheets:
            by_kind[raw.sheet.kind].append(raw)
        for kind in schemas.ORDER:
            if kind not in by_kind:
                continue
            self.counts[kind]  # noqa: B018 - the sheet shows in the counts even when every row is rejected
            rows = self.rows(by_kind[kind], kind)
            if rows:
                getattr(self, f"import_{kind}")(rows)
            self.tick(0, force=True)
        self.follow_history()
        self.refresh_facts()

    def refresh_facts(self):
        """The rows went in in bulk, past the receivers that keep the report facts: refresh, in this transaction, the
        facts of exactly the cases and companies this import wrote records of (facts.Written), so they commit or roll
        back with the records."""
        facts.refresh_for(self.written)
        if self.wrote_anything():  # an import of nothing new leaves every table as it was, the change log included
            citizen_pool.mark_changed(sorted(set(self.citizens.values())))  # and the matching features in memory

    def wrote_anything(self):
        return any(n["created"] or n["updated"] for n in self.counts.values()) or any(self.history.values())


# A record made in jobbro has no external id of its own; an export that must name it (the case system's format,
# jobbro/exchange) names it "jobbro-<its number>", and an import finds it again by that name, so exporting and
# importing the file back changes nothing. A record with an external id is always named by it.
OWN_ID = re.compile(r"^jobbro-([1-9][0-9]{0,17})$")


def own_id(record):
    """The id an export names a record by: its external id, or jobbro-<pk> when it has none."""
    return record.external_id or f"jobbro-{record.pk}"


def _records_by_own_id(model, programme_path, programme_id, ids):
    """The records without an external id that `ids` name as jobbro-<pk>, in the programme."""
    pks = [int(m[1]) for i in ids if isinstance(i, str) and (m := OWN_ID.match(i))]
    for chunk in chunks(pks):
        yield from model.objects.filter(**{programme_path: programme_id, "pk__in": chunk, "external_id": ""})


def sha256_of(files):
    """The SHA-256 of the files' bytes one after another; each given as bytes or as a path."""
    digest = hashlib.sha256()
    for _name, data in files:
        if isinstance(data, (bytes, bytearray)):
            digest.update(data)
            continue
        with open(data, "rb") as handle:
            for piece in iter(lambda: handle.read(1024 * 1024), b""):  # noqa: B023 - consumed within the loop
                digest.update(piece)
    return digest.hexdigest()


def run(files, *, user=None, programme=None, dry_run=False, kind=None, progress=None, import_run=None):
    """Import [(file name, bytes or path), ...]; see the module docstring. Returns a Result; writes only if every row is accepted."""
    started = time.perf_counter()
    book = reader.read(files, kind=kind)
    result = Result(notes=list(book.notes), total_rows=book.total_rows)
    result.rejected = [p.as_dict() for p in book.problems]
    importer = Importer(user=user, programme=programme, progress=progress)
    try:
        with transaction.atomic():
            importer.process(book)
            result.rejected += importer.rejected
            if dry_run or result.rejected:
                raise Rollback
            counts = {kind: dict(numbers) for kind, numbers in importer.counts.items()}
            if import_run is not None:
                log_change(
                    user=user,
                    action=Action.IMPORT,
                    obj=import_run,
                    changes={"file_sha256": import_run.file_sha256, "counts": counts},
                )
            result.committed = True
    except Rollback:
        pass
    result.counts = {
        kind: {key: numbers.get(key, 0) for key in ("created", "updated", "unchanged", "rejected")}
        for kind, numbers in importer.counts.items()
    }
    result.counts["_history"] = dict(importer.history)
    result.counts["_notes"] = result.notes
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def execute(import_run, files, *, kind=None, progress=None):
    """Run an ImportRun over its files and record the outcome on it (status, counts, rejected rows, seconds)."""
    ImportRun.objects.filter(pk=import_run.pk).update(status=ImportRun.Status.RUNNING)
    try:
        result = run(
            files,
            user=import_run.user,
            programme=import_run.programme,
            dry_run=import_run.dry_run,
            kind=kind,
            progress=progress,
            import_run=import_run,
        )
    except Exception as error:
        import_run.status = ImportRun.Status.FAILED
        import_run.error = f"{type(error).__name__}: {error}"[:2000]
        import_run.finished_at = timezone.now()
        import_run.save(update_fields=["status", "error", "finished_at"])
        raise
    import_run.status = ImportRun.Status.REJECTED if result.rejected else ImportRun.Status.DONE
    import_run.counts = result.counts
    import_run.rejected = result.rejected
    import_run.total_rows = result.total_rows
    import_run.rows_done = result.total_rows
    import_run.seconds = result.seconds
    import_run.finished_at = timezone.now()
    import_run.save(update_fields=["status", "counts", "rejected", "total_rows", "rows_done", "seconds", "finished_at"])
    return result
