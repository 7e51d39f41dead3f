"""Matching from the database: load citizens and openings into the engine's arrays, rank, assign, explain.

Everything for a set of enrolments and a set of openings is loaded with a fixed number of queries
(`load`), whatever their number. The engine (engine.py) does the arithmetic; this module maps the domain
to features and turns the factors that fired into sentences a job broker can read to the citizen.

Domain → features:
- weekly hours capacity: the enrolment's estimated weekly hours, or the latest agreed hours (ordinary plus
  internship) of one of its placements when that is more; with no estimate given and no hours agreed the capacity
  is unknown (NaN), and the hours rule neither excludes nor scores down (a missing estimate is not 0 hours);
- forbidden requirements from the citizen's restrictions (RESTRICTION_FORBIDS);
- days the citizen can work: every day, unless a restriction limits them (school hours only: weekdays);
- Danish level: the latest competence assessment in Danish. A citizen never assessed is NOT excluded from jobs
  asking for a level (many citizens have Danish as their first language and never get assessed); the
  explanation asks the broker to check;
- job goals and wishes in force (occupation codes and the citizen's own words);
- the company's track record in the programme, as the companies list shows it (jobbro/reporting/track_record.py,
  read from the stored rows): of the internships started there, how many turned into ordinary paid hours;
- an earlier placement of the citizen at the company ending as not a match, ended by the company, or left by
  the citizen: a penalty;
- declined match proposals (matching.models.MatchProposal): the same opening is never proposed again; a
  company that declined the citizen excludes all its openings; any other decline lowers the company's other
  openings for the citizen.

Explanations are written for a reader (`Reader`, from the user asking) and never say what the reader may not
see. The job goal in the citizen's own words is a case note. For a reader who may not read restrictions, every
exclusion that concerns the citizen's circumstances (restrictions on tasks and days, the hours they can work,
their Danish) is one and the same sentence in the same place, so an exclusion by a restriction cannot be told
from one by hours or Danish.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobbro import codes
from jobbro.accounts.models import Programme
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import (
    AgreedHoursChange,
    Enrolment,
    Placement,
    PlacementEndReason,
    Step,
)
from jobbro.companies.models import Company, Opening, Requirement, Weekday
from jobbro.days import today
from jobbro.matching import engine, geo
from jobbro.matching import pool as citizen_pool
from jobbro.people.models import (
    CompetenceAssessment,
    ConsentKind,
    JobGoal,
    Restriction,
    TrafficLight,
    consent_in_force_on,
)

REQUIREMENT_BITS = {value: 1 << i for i, value in enumerate(Requirement.values)}
DAY_BITS = {value: 1 << i for i, value in enumerate(Weekday.values)}
Tag = Restriction.Tag
RESTRICTION_FORBIDS = {
    Tag.NO_PORK: (Requirement.HANDLES_PORK,),
    Tag.NO_VACUUMING: (Requirement.VACUUMING,),
    Tag.NO_HEAVY_LIFTING: (Requirement.HEAVY_LIFTING,),
    Tag.NO_LONG_STANDING: (Requirement.LONG_STANDING,),
    Tag.NO_ALCOHOL: (Requirement.HANDLES_ALCOHOL,),
    Tag.NO_EVENINGS: (Requirement.EVENING_WORK,),
    Tag.SCHOOL_HOURS_ONLY: (Requirement.EVENING_WORK,),
}
RESTRICTION_DAYS = {Tag.SCHOOL_HOURS_ONLY: engine.WEEKDAYS}
# Requirements the citizen must bring rather than tolerate: not a constraint (no data), a note to check.
CHECK_REQUIREMENTS = (Requirement.DRIVING_LICENCE, Requirement.HYGIENE_CERTIFICATE)
FAILED_END_REASONS = (PlacementEndReason.NOT_A_MATCH, PlacementEndReason.COMPANY_ENDED, PlacementEndReason.CITIZEN_LEFT)
LIGHTS = {TrafficLight.GREEN: engine.GREEN, TrafficLight.YELLOW: engine.YELLOW, TrafficLight.RED: engine.RED}
MAX_GOALS = 6
COMPANY_DECLINED = "company_declined"
# The hard rules about the citizen's own circumstances. Restrictions decide the first two; all four read alike to a
# reader who may not read restrictions (see `excluded_sentences`).
CIRCUMSTANCES = engine.V_REQUIREMENT | engine.V_DAYS | engine.V_HOURS | engine.V_DANISH


@dataclass(frozen=True)
class Reader:
    """What the person an explanation is written for may see; the explanation says nothing more."""

    notes: bool = False
    restrictions: bool = False

    @classmethod
    def of(cls, user):
        """The reader for a user (None: nobody in particular, so nothing that needs a capability)."""
        if isinstance(user, Reader):
            return user
        if user is None:
            return cls()
        return cls(notes=may(user, Capability.READ_NOTES), restrictions=may(user, Capability.READ_RESTRICTIONS))


@dataclass
class Match:
    """One ranked pair."""

    citizen: object  # people.Citizen
    enrolment: Enrolment
    opening: Opening
    score: float  # 0..100
    reasons: list[str]  # translated sentences, strongest first
    distance_km: float | None
    factors: dict = field(default_factory=dict, repr=False)  # the engine's factor values, for display
    excluded: bool = False  # a stored pair that no longer suits: the reasons say why


@dataclass(frozen=True)
class Goal:
    """A job goal or wish in force, as the explanations need it."""

    kind: str
    occupation_code: str
    text: str

    @property
    def occupation_title(self):
        return codes.occupation_title(self.occupation_code) if self.occupation_code else ""


class Openings:
    """A network's small jobs by index, as model objects (with company and buddy) fetched only for the indices asked
    for: `materialise(indices)` fetches many in one query. A company-only row (speed dating) is None."""

    def __init__(self, ids):
        self.ids = ids  # opening id per index, None for a company-only row
        self.objects = {}

    def __len__(self):
        return len(self.ids)

    def put(self, opening):
        """Use this object for its index (when the caller has it already)."""
        for j, pk in enumerate(self.ids):
            if pk == opening.pk:
                self.objects[j] = opening

    def materialise(self, indices):
        wanted = {int(j) for j in indices if self.ids[int(j)] is not None} - set(self.objects)
        if wanted:
            position = {self.ids[j]: j for j in wanted}
            for opening in Opening.objects.filter(pk__in=list(position)).select_related("company", "buddy"):
                self.objects[position[opening.pk]] = opening

    def __getitem__(self, j):
        j = int(j)
        if self.ids[j] is None:
            return None
        if j not in self.objects:
            self.materialise([j])
        return self.objects[j]


@dataclass
class Network:
    """Enrolments and openings loaded into the engine's arrays, with what the explanations need.

    Enrolments and openings are loaded as plain values (thousands of them); `enrolment(i)` and `openings[j]` give the
    model objects for the few that are returned, fetched together by `materialise` in one query each.
    """

    enrolment_ids: list
    openings: Openings
    citizens: engine.Citizens
    jobs: engine.Openings
    flags: engine.PairFlags
    companies: list  # company ids by company index
    record: dict  # (company id, programme id) -> (internships turned into paid hours, internships started)
    goals: dict  # enrolment index -> [Goal]
    failed: dict  # (enrolment index, company id) -> end reason
    declines: dict  # (enrolment index, company id) -> [(opening id, reason)]
    danish_assessed: np.ndarray  # bool per enrolment
    objects: dict = field(default_factory=dict)  # enrolment index -> Enrolment, once materialised
    citizen_ids: list = field(default_factory=list)  # citizen id by enrolment index

    def __len__(self):
        return len(self.enrolment_ids)

    def materialise(self, indices):
        """Fetch the Enrolment objects (with their citizens) for these enrolment indices, in one query."""
        wanted = {int(i) for i in indices} - set(self.objects)
        if wanted:
            position = {self.enrolment_ids[i]: i for i in wanted}
            for enrolment in Enrolment.objects.filter(pk__in=list(position)).select_related("citizen", "programme"):
                self.objects[position[enrolment.pk]] = enrolment

    def enrolment(self, i):
        if int(i) not in self.objects:
            self.materialise([i])
        return self.objects[int(i)]


def _today(on):
    return on or today()


def _in_force(qs, start_field, end_field, on):
    return qs.filter(**{f"{start_field}__lte": on}).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": on})
    )


def _code_number(code):
    code = (code or "").strip()[:4]
    return int(code) if code.isdigit() else -1


def _proposal_model():
    try:
        from jobbro.matching.models import MatchProposal
    except ImportError:  # the workflow is not installed: no declines to learn from
        return None
    return MatchProposal


def running_placements(on):
    """Placements running on `on` (cases/models.py) or planned to start after it: the citizen is spoken for."""
    return Placement.objects.running_or_planned_on(on)


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    """One enrolment as `load` reads it: plain values, no model object (thousands of them)."""

    pk: int
    citizen_id: int
    estimated_weekly_hours: Decimal
    traffic_light: str
    postcode: str
    programme_id: int


ENROLMENT_COLUMNS = (
    "pk",
    "citizen_id",
    "estimated_weekly_hours",
    "citizen__traffic_light",
    "citizen__postcode",
    "programme_id",
)


@dataclass(frozen=True, slots=True)
class OpeningRow:
    """One small job as `load` reads it; the few returned are fetched as objects later (Openings.materialise)."""

    pk: int
    company_id: int
    weekly_hours: Decimal
    requirements: list
    danish_level_required: int | None
    days: list
    occupation_code: str
    buddy_id: int | None
    capacity: int
    title: str
    tasks: str
    company_kind: str
    company_postcode: str
    programme_id: int


OPENING_COLUMNS = (
    "pk",
    "company_id",
    "weekly_hours",
    "requirements",
    "danish_level_required",
    "days",
    "occupation_code",
    "buddy_id",
    "capacity",
    "title",
    "tasks",
    "company__kind",
    "company__postcode",
    "programme_id",
)


@dataclass(frozen=True, slots=True)
class CompanyPlace:
    kind: str
    postcode: str


@dataclass
class CompanyColumns:
    """The companies of the openings (and the company-only rows), sorted by id, each with its column."""

    places: dict  # company id -> CompanyPlace
    ids: list  # company id by column
    index: dict  # company id -> column

    @classmethod
    def of(cls, openings, extra_companies):
        places = {}
        for opening in openings:
            places.setdefault(opening.company_id, CompanyPlace(opening.company_kind, opening.company_postcode))
        for company in extra_companies:
            places.setdefault(company.pk, CompanyPlace(company.kind, company.postcode))
        ids = sorted(places)
        return cls(places=places, ids=ids, index={pk: k for k, pk in enumerate(ids)})


@dataclass(frozen=True)
class CitizenRows:
    """The enrolments loaded, with the querysets their related rows are read through."""

    rows: list  # EnrolmentRow by enrolment index
    enrolments: object  # queryset of enrolments whose related rows are read (`related` or the enrolments)
    citizens: object  # queryset of their citizen ids
    by_citizen: dict  # citizen id -> [enrolment index]
    on: object  # the date

    def __len__(self):
        return len(self.rows)

    @classmethod
    def of(cls, enrolments, related, on):
        # Related rows are fetched with the enrolment query as a subquery: no long lists of ids as parameters.
        related = enrolments if related is None else related
        rows = _enrolment_rows(enrolments)
        return cls(rows, related, related.values("citizen_id"), _by_citizen(rows), on)


def _enrolment_rows(enrolments):
    return [EnrolmentRow(*values) for values in enrolments.order_by("pk").values_list(*ENROLMENT_COLUMNS)]


def _opening_rows(openings):
    return [OpeningRow(*values) for values in openings.order_by("pk").values_list(*OPENING_COLUMNS)]


def _by_citizen(rows):
    by_citizen = {}
    for i, row in enumerate(rows):
        by_citizen.setdefault(row.citizen_id, []).append(i)
    return by_citizen


def _weekly_hours(loaded):
    """The hours each citizen can work: the estimate, or the latest agreed hours of a placement when that is more."""
    # No estimate given: unknown (NaN), never 0 hours; an agreement of hours, if any, gives the capacity below.
    hours = [np.nan if row.estimated_weekly_hours is None else float(row.estimated_weekly_hours) for row in loaded.rows]
    if loaded.rows:
        latest = {}  # the last agreement per enrolment wins
        for enrolment_id, ordinary, internship in (
            AgreedHoursChange.objects.filter(
                placement__enrolment__in=loaded.enrolments.values("pk"), from_date__lte=loaded.on
            )
            .order_by("from_date", "id")
            .values_list("placement__enrolment_id", "ordinary_hours", "internship_hours")
        ):
            latest[enrolment_id] = float(ordinary) + float(internship)
        for i, row in enumerate(loaded.rows):
            if row.pk in latest:
                hours[i] = latest[row.pk] if np.isnan(hours[i]) else max(hours[i], latest[row.pk])
    return np.array(hours, dtype=np.float32)


def _restrictions(loaded):
    """(forbidden requirement bits, days the citizen can work) per enrolment, from the restrictions in force."""
    n = len(loaded)
    forbidden, days = [0] * n, [engine.ALL_DAYS] * n
    restrictions = _in_force(
        Restriction.objects.filter(citizen__in=loaded.citizens), "recorded_on", "ended_on", loaded.on
    )
    for citizen_id, tag in restrictions.values_list("citizen_id", "tag"):
        bits = 0
        for requirement in RESTRICTION_FORBIDS.get(tag, ()):
            bits |= REQUIREMENT_BITS[requirement]
        for i in loaded.by_citizen.get(citizen_id, ()):
            forbidden[i] |= bits
            if tag in RESTRICTION_DAYS:
                days[i] &= RESTRICTION_DAYS[tag]
    return np.array(forbidden, dtype=np.uint16), np.array(days, dtype=np.uint8)


def _danish(loaded):
    """(the latest assessed Danish level, whether it was ever assessed) per enrolment."""
    n = len(loaded)
    danish, assessed = [0] * n, [False] * n
    for citizen_id, level in (
        CompetenceAssessment.objects.filter(
            citizen__in=loaded.citizens, area=CompetenceAssessment.Area.DANISH, assessed_on__lte=loaded.on
        )
        .order_by("assessed_on", "id")
        .values_list("citizen_id", "level")
    ):
        for i in loaded.by_citizen.get(citizen_id, ()):
            danish[i] = level
            assessed[i] = True
    return np.array(danish, dtype=np.int8), np.array(assessed, dtype=bool)


def _goals(loaded):
    """{enrolment index: [Goal]}: the job goals and wishes in force, newest first."""
    goals = {}
    for citizen_id, kind, code, text in (
        _in_force(JobGoal.objects.filter(citizen__in=loaded.citizens), "set_on", "replaced_on", loaded.on)
        .order_by("-set_on", "-id")
        .values_list("citizen_id", "kind", "occupation_code", "text")
    ):
        for i in loaded.by_citizen.get(citizen_id, ()):
            goals.setdefault(i, []).append(Goal(kind, code, text))
    return goals


@dataclass(frozen=True)
class GoalArrays:
    codes: np.ndarray  # occupation number per enrolment and goal, -1 for none
    weights: np.ndarray  # 1 for a goal, engine.WISH_FACTOR for a wish
    texts: list  # the goals' own words per enrolment


def _goal_arrays(goals, n):
    """The goals as the engine's arrays: goals first, then wishes (each newest first), at most MAX_GOALS."""
    codes = np.full((n, MAX_GOALS), -1, dtype=np.int32)
    weights = np.zeros((n, MAX_GOALS), dtype=np.float32)
    texts = [""] * n
    at_i, at_k, at_code, at_weight = [], [], [], []
    for i, listed in goals.items():
        listed.sort(key=lambda g: g.kind != JobGoal.Kind.GOAL)  # goals first, then wishes; each newest first
        for k, goal in enumerate(listed[:MAX_GOALS]):
            at_i.append(i)
            at_k.append(k)
            at_code.append(_code_number(goal.occupation_code))
            at_weight.append(1.0 if goal.kind == JobGoal.Kind.GOAL else engine.WISH_FACTOR)
        texts[i] = " ".join(g.text for g in listed)
    codes[at_i, at_k] = at_code
    weights[at_i, at_k] = at_weight
    return GoalArrays(codes, weights, texts)


def _homes(rows):
    """(latitude, longitude) arrays of the citizens' postcodes (NaN where unknown), each postcode looked up once."""
    centroids = {}
    for row in rows:
        if row.postcode not in centroids:
            centroids[row.postcode] = geo.centroid(row.postcode) or (np.nan, np.nan)
    points = np.array([centroids[row.postcode] for row in rows], dtype=np.float32).reshape(len(rows), 2)
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


@dataclass(frozen=True)
class LoadedCitizens:
    arrays: engine.Citizens
    goals: dict  # enrolment index -> [Goal]
    danish_assessed: np.ndarray  # bool per enrolment


def _citizens(loaded, vocabulary):
    """The engine's citizen arrays, with the goals and assessments the explanations need. Each part is filled as
    Python lists (item by item into numpy arrays is slow for many rows), then made an array."""
    lat, lon = _homes(loaded.rows)
    hours = _weekly_hours(loaded)
    forbidden, days = _restrictions(loaded)
    danish, assessed = _danish(loaded)
    goals = _goals(loaded)
    goal_arrays = _goal_arrays(goals, len(loaded))
    arrays = engine.Citizens(
        hours=hours,
        forbidden=forbidden,
        danish=danish,
        days=days,
        goals=goal_arrays.codes,
        goal_weights=goal_arrays.weights,
        light=np.array([LIGHTS.get(row.traffic_light, engine.YELLOW) for row in loaded.rows], dtype=np.int8),
        lat=lat,
        lon=lon,
        words=engine.word_matrix(goal_arrays.texts, vocabulary),
    )
    return LoadedCitizens(arrays, goals, assessed)


def _row_programmes(openings, extra, rows):
    """The programme of each opening row; a company-only row takes the citizens' (matching never crosses
    programmes), so its company record is the company's in that programme."""
    citizens_programme = rows[0].programme_id if rows else None
    return [o.programme_id for o in openings] + [citizens_programme] * len(extra)


@dataclass
class JobColumns:
    """The engine's opening arrays while they are filled, one column per row (small job or company-only row)."""

    hours: np.ndarray
    requires: np.ndarray
    danish: np.ndarray
    days: np.ndarray
    code: np.ndarray
    company: np.ndarray
    social: np.ndarray
    buddy: np.ndarray
    paid: np.ndarray
    placed: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    capacity: np.ndarray
    texts: list

    @classmethod
    def empty(cls, m):
        return cls(
            hours=np.zeros(m, dtype=np.float32),
            requires=np.zeros(m, dtype=np.uint16),
            danish=np.zeros(m, dtype=np.int8),
            days=np.zeros(m, dtype=np.uint8),
            code=np.full(m, -1, dtype=np.int32),
            company=np.zeros(m, dtype=np.int32),
            social=np.zeros(m, dtype=bool),
            buddy=np.zeros(m, dtype=bool),
            paid=np.zeros(m, dtype=np.float32),
            placed=np.zeros(m, dtype=np.float32),
            lat=np.full(m, np.nan, dtype=np.float32),
            lon=np.full(m, np.nan, dtype=np.float32),
            capacity=np.zeros(m, dtype=np.int32),
            texts=[],
        )

    def put_company(self, j, company_id, companies, record, programme_id, centroids):
        """The company's part of row j: its column, kind, record in the row's programme and place."""
        place = companies.places[company_id]
        self.company[j] = companies.index[company_id]
        self.social[j] = place.kind == Company.Kind.SOCIAL_ECONOMIC
        self.paid[j], self.placed[j] = record.get((company_id, programme_id), (0, 0))
        if place.postcode not in centroids:
            centroids[place.postcode] = geo.centroid(place.postcode)
        if centroids[place.postcode]:
            self.lat[j], self.lon[j] = centroids[place.postcode]

    def put_opening(self, j, o):
        """The small job's part of row j (an OpeningRow)."""
        self.hours[j] = float(o.weekly_hours)
        for requirement in o.requirements or ():
            self.requires[j] |= REQUIREMENT_BITS.get(requirement, 0)
        self.danish[j] = o.danish_level_required or 0
        for day in o.days or ():
            self.days[j] |= DAY_BITS.get(day, 0)
        self.code[j] = _code_number(o.occupation_code)
        self.buddy[j] = o.buddy_id is not None
        self.capacity[j] = o.capacity
        self.texts.append(f"{o.title} {o.tasks}")

    def engine_openings(self, vocabulary, n_companies):
        texts = self.texts
        arrays = {name: value for name, value in vars(self).items() if name != "texts"}
        return engine.Openings(**arrays, words=engine.word_matrix(texts, vocabulary), n_companies=n_companies)


def _jobs(openings, extra, companies, record, row_programmes, vocabulary):
    """The engine's opening arrays: the small jobs, then one company-only row per extra company."""
    columns = JobColumns.empty(len(openings) + len(extra))
    centroids = {}
    for j, o in enumerate(openings):
        columns.put_company(j, o.company_id, companies, record, row_programmes[j], centroids)
        columns.put_opening(j, o)
    for k, company in enumerate(extra):
        j = len(openings) + k
        columns.put_company(j, company.pk, companies, record, row_programmes[j], centroids)
        columns.texts.append(company.name)
    return columns.engine_openings(vocabulary, len(companies.ids))


@dataclass(frozen=True)
class Pairs:
    """What the citizens went through with the companies and openings before (pair_facts), as the engine's flags."""

    failed: dict  # (enrolment index, company id) -> end reason
    declines: dict  # (enrolment index, company id) -> [(opening id, reason)]
    flags: engine.PairFlags


def _pairs(loaded, companies, opening_rows, n_openings):
    """Earlier failed placements and declined proposals of the loaded citizens with these companies and openings."""
    opening_index = {o.pk: j for j, o in enumerate(opening_rows)}
    failed, company_flags, opening_flags, declines = (
        pair_facts(loaded.citizens, loaded.by_citizen, companies.index, opening_index, on=loaded.on)
        if loaded.rows and companies.ids
        else ({}, [], [], {})
    )
    flags = engine.PairFlags.build(
        n_companies=len(companies.ids), n_openings=n_openings, company=company_flags, opening=opening_flags
    )
    return Pairs(failed, declines, flags)


def load(enrolments, openings, *, on=None, extra_companies=(), related=None, vocabulary=None):
    """Load the enrolments and openings (querysets) into a Network with a fixed number of queries.

    `extra_companies` (Company objects) get one company-only row each (no job, no requirements) appended to the
    openings, for the speed-dating plan of companies without an open small job.

    `related`, if given, is a simpler queryset of enrolments that holds all of `enrolments`: the citizens' hours,
    restrictions, assessments, goals and earlier placements are read for its enrolments (those of the others are
    passed over), so that each of those queries repeats the simple filter, not the costly one.

    `vocabulary` (word stem -> column), if given, is the one the word matrices use and extend: rows loaded apart
    with the same vocabulary can be put together (as the citizen pool does, jobbro/matching/pool.py).
    """
    on = _today(on)
    loaded = CitizenRows.of(enrolments, related, on)
    rows = loaded.rows
    opening_rows = _opening_rows(openings)
    extra = list(extra_companies)
    companies = CompanyColumns.of(opening_rows, extra)
    vocabulary = {} if vocabulary is None else vocabulary

    citizens = _citizens(loaded, vocabulary)

    row_programmes = _row_programmes(opening_rows, extra, rows)
    record = company_record(companies.ids, {pk for pk in row_programmes if pk is not None}, on=on)
    jobs = _jobs(opening_rows, extra, companies, record, row_programmes, vocabulary)

    pairs = _pairs(loaded, companies, opening_rows, len(jobs.hours))
    return Network(
        enrolment_ids=[row.pk for row in rows],
        openings=Openings([o.pk for o in opening_rows] + [None] * len(extra)),
        citizens=citizens.arrays,
        jobs=jobs,
        flags=pairs.flags,
        companies=companies.ids,
        record=record,
        goals=citizens.goals,
        failed=pairs.failed,
        declines=pairs.declines,
        danish_assessed=citizens.danish_assessed,
        citizen_ids=[row.citizen_id for row in rows],
    )


def pair_facts(citizens, by_citizen, company_index, opening_index, *, on=None):
    """What the citizens (`by_citizen`: citizen id -> their rows) went through with the companies (`company_index`:
    company id -> column) and openings (`opening_index`: opening id -> column) before: earlier placements that
    failed and declined proposals, as (failed, company flags, opening flags, declines) for the Network and
    engine.PairFlags. `citizens` (a queryset of citizen ids), if given, narrows the rows read; citizens not in
    `by_citizen` are passed over either way."""
    on = _today(on)
    failed, company_flags, opening_flags, declines = {}, [], [], {}
    companies = list(company_index)
    whose = {} if citizens is None else {"enrolment__citizen__in": citizens}
    for citizen_id, company_id, reason in (
        Placement.objects.filter(
            **whose,
            company__in=companies,
            end_reason__in=FAILED_END_REASONS,
            ended_on__lte=on,
        )
        .order_by("ended_on", "id")
        .values_list("enrolment__citizen_id", "company_id", "end_reason")
    ):
        for i in by_citizen.get(citizen_id, ()):
            failed[(i, company_id)] = reason
            company_flags.append((i, company_index[company_id], engine.F_FAILED_BEFORE))
    proposal_model = _proposal_model()
    if proposal_model is not None:
        for citizen_id, opening_id, company_id, reason in (
            proposal_model.objects.filter(**whose, opening__company__in=companies, status="declined")
            .order_by("decided_on", "id")
            .values_list("enrolment__citizen_id", "opening_id", "opening__company_id", "decline_reason")
        ):
            for i in by_citizen.get(citizen_id, ()):
                declines.setdefault((i, company_id), []).append((opening_id, reason))
                k = company_index[company_id]
                if reason == COMPANY_DECLINED:
                    company_flags.append((i, k, engine.F_EXCLUDED))
                else:
                    company_flags.append((i, k, engine.F_DECLINED_PENALTY))
                if opening_id in opening_index:
                    opening_flags.append((i, opening_index[opening_id], engine.F_EXCLUDED))
    return failed, company_flags, opening_flags, declines


def company_record(company_ids, programme_ids, *, on=None):
    """{(company id, programme id): (internships turned into ordinary paid hours, internships started)}: each
    company's track record in each programme, the figures the companies list shows (one definition:
    jobbro/reporting/track_record.py, read from the rows jobbro/reporting/company_facts.py keeps true)."""
    from jobbro.reporting import company_facts  # the layer beside this one; it never imports matching

    programmes = list(Programme.objects.filter(pk__in=sorted(set(programme_ids))))
    records = company_facts.track_records(company_ids, programmes, on=_today(on))
    return {
        (company_id, record.programme.pk): (record.internships_paid, record.internships_started)
        for company_id, rows in records.items()
        for record in rows
    }


# --- Which enrolments and openings -----------------------------------------------------------------


def _no_running_placement(on):
    return ~Exists(running_placements(on).filter(enrolment=OuterRef("pk")))


def rankable_enrolments(programme, *, on=None):
    """Active enrolments in steps 1-2, and in step 3 without a running placement; never the control group of a
    lottery (EnrolmentQuerySet.in_programme_effort), nor a citizen without consent to sharing data with companies on
    the day (a proposal would present them to the company; matching/actions.py refuses it)."""
    on = _today(on)
    return (
        Enrolment.objects.active_on(on)
        .in_programme_effort()
        .filter(programme=programme)
        .filter(consent_in_force_on(ConsentKind.DATA_SHARING, on, citizen="citizen_id"))
        .filter(
            Q(current_step__in=(Step.CLARIFICATION, Step.TOWARDS_JOB))
            | (Q(current_step=Step.IN_COMPANY) & _no_running_placement(on))
        )
    )


def waiting_enrolments(programme, *, on=None):
    """Active enrolments in step 2 with no running placement and no open match proposal (not the control group)."""
    on = _today(on)
    qs = (
        Enrolment.objects.active_on(on)
        .in_programme_effort()
        .filter(programme=programme, current_step=Step.TOWARDS_JOB)
        .filter(_no_running_placement(on))
    )
    proposal_model = _proposal_model()
    if proposal_model is not None:
        qs = qs.exclude(Exists(proposal_model.objects.open().filter(enrolment=OuterRef("pk"))))
    return qs


def open_openings(programme):
    return Opening.objects.open().filter(programme=programme)


# --- Explanations --------------------------------------------------------------------------------


def _hours(value):
    """Hours as the language writes them: 12, 7,5 (Danish) / 7.5 (English)."""
    value = round(float(value), 1)
    return str(int(value)) if value == int(value) else formats.number_format(value, 1)


def _best_goal(net, i, opening):
    code = _code_number(opening.occupation_code)
    if code < 0:
        return None, 0
    best, level = None, 0
    for goal in net.goals.get(i, ()):
        g = _code_number(goal.occupation_code)
        if g < 0:
            continue
        this = 3 if g == code else 2 if g // 10 == code // 10 else 1 if g // 100 == code // 100 else 0
        if this > level or (
            this == level and best is not None and best.kind != JobGoal.Kind.GOAL and goal.kind == JobGoal.Kind.GOAL
        ):
            best, level = goal, this
    return best, level


def _shared_words(net, i, opening):
    mine = set()
    for goal in net.goals.get(i, ()):
        mine |= engine.stems(goal.text)
    words = []
    for word in engine._WORD.findall(f"{opening.title} {opening.tasks}".lower()):
        stem = word[: engine.STEM]
        if len(word) >= 4 and stem in mine and word not in words:
            words.append(word)
            mine.discard(stem)
    return words


def reasons_for(net, i, j, parts, reader=Reader()):
    """Translated sentences for the factors that fired, strongest first, then the notes to check."""
    opening = net.openings[j]
    company = opening.company if opening is not None else None
    scored = []  # (weight, sentence)
    notes = []
    if opening is not None and parts["goal"] > 0:
        goal, level = _best_goal(net, i, opening)
        if goal is not None:
            # The citizen's own words are a case note; the occupation is what anyone may read.
            label = (goal.text if reader.notes else "") or goal.occupation_title
            if level == 3:
                sentence = (
                    _('matches the job goal "%(goal)s"')
                    if goal.kind == JobGoal.Kind.GOAL
                    else _('matches the job wish "%(goal)s"')
                ) % {"goal": label}
            else:
                sentence = (
                    _('close to the job goal "%(goal)s" (%(occupation)s, same occupational group)')
                    if goal.kind == JobGoal.Kind.GOAL
                    else _('close to the job wish "%(goal)s" (%(occupation)s, same occupational group)')
                ) % {"goal": label, "occupation": codes.occupation_title(opening.occupation_code)}
            scored.append((engine.WEIGHTS["goal"] * parts["goal"], sentence))
    if opening is not None and parts["words"] > 0:
        words = _shared_words(net, i, opening)
        if words and reader.notes:
            scored.append(
                (
                    engine.WEIGHTS["words"] * parts["words"],
                    _("the tasks mention %(words)s from the citizen's wishes")
                    % {"words": ", ".join(f'"{w}"' for w in words)},
                )
            )
        elif words:
            # The shared words come from the citizen's own words about the job: a case note.
            scored.append((engine.WEIGHTS["words"] * parts["words"], _("the tasks match the citizen's wishes")))
    if opening is not None and parts["hours"] > 0:
        capacity = net.citizens.hours[i]
        if np.isnan(capacity):  # no estimate given and no hours agreed: nothing to compare with
            reason = _("%(hours)s h/week; the citizen gave no estimate of weekly hours") % {
                "hours": _hours(opening.weekly_hours)
            }
        else:
            reason = _("%(hours)s h/week fits the citizen's %(capacity)s h/week") % {
                "hours": _hours(opening.weekly_hours),
                "capacity": _hours(capacity),
            }
        scored.append((engine.WEIGHTS["hours"] * parts["hours"], reason))
    if opening is not None and parts["buddy"] > 0:
        name = opening.buddy.name if opening.buddy else ""
        scored.append(
            (engine.WEIGHTS["buddy"], _("buddy present (%(name)s)") % {"name": name} if name else _("buddy present"))
        )
    programme_id = opening.programme_id if opening is not None else net.enrolment(i).programme_id
    paid, placed = net.record.get((company.pk, programme_id), (0, 0)) if company else (0, 0)
    if placed:
        scored.append(
            (
                engine.WEIGHTS["record"] * parts["record"],
                ngettext(
                    "the company turned %(paid)d of %(placed)d intern into paid hours",
                    "the company turned %(paid)d of %(placed)d interns into paid hours",
                    placed,
                )
                % {"paid": paid, "placed": placed},
            )
        )
    if parts["stepping_stone"] > 0:
        scored.append(
            (
                engine.WEIGHTS["stepping_stone"] * parts["stepping_stone"],
                _("a social-economic company: a stepping stone for a %(light)s traffic light")
                % {"light": _("red") if net.citizens.light[i] == engine.RED else _("yellow")},
            )
        )
    km = parts.get("distance_km")
    if km is not None and not np.isnan(km):
        sentence = _("less than 1 km away") if km < 0.5 else _("%(km)s km away") % {"km": f"{km:.0f}"}
        scored.append((engine.WEIGHTS["distance"] * parts["distance"], sentence))
    scored.sort(key=lambda t: -t[0])
    if company is not None and parts.get("failed_before"):
        reason = net.failed.get((i, company.pk), "")
        notes.append(
            _("an earlier placement at this company ended: %(reason)s")
            % {"reason": PlacementEndReason(reason).label if reason in PlacementEndReason.values else reason}
        )
    if company is not None and parts.get("declined_before"):
        notes.append(_("a match with this company was declined before"))
    if opening is not None:
        if opening.danish_level_required and not net.danish_assessed[i]:
            notes.append(
                _("check Danish: the job asks for level %(level)d and the citizen's Danish is not assessed")
                % {"level": opening.danish_level_required}
            )
        labels = dict(Requirement.choices)
        for requirement in CHECK_REQUIREMENTS:
            if requirement in (opening.requirements or ()):
                notes.append(_("check: the job needs %(what)s") % {"what": str(labels[requirement]).lower()})
    return [s for _w, s in scored] + notes


def excluded_sentences(net, i, j, violations, reader=Reader()):
    """Why the pair is ruled out, for the reader: each hard rule that fired, in a fixed order."""
    out = []
    c, o = net.citizens, net.jobs
    if not reader.restrictions and violations & CIRCUMSTANCES:
        # One sentence for any of the four, where the first of them would stand: a restriction reads like hours.
        out.append(_("the small job does not suit the citizen"))
        violations &= ~CIRCUMSTANCES
    if violations & engine.V_REQUIREMENT:
        labels = dict(Requirement.choices)
        clash = [labels[r] for r in Requirement.values if (o.requires[j] & c.forbidden[i]) & REQUIREMENT_BITS[r]]
        out.append(
            _("the tasks involve %(what)s, which the citizen's restrictions rule out")
            % {"what": ", ".join(str(x).lower() for x in clash)}
        )
    if violations & engine.V_HOURS:
        out.append(
            _("%(hours)s h/week is more than the citizen's %(capacity)s h/week")
            % {"hours": _hours(o.hours[j]), "capacity": _hours(c.hours[i])}
        )
    if violations & engine.V_DANISH:
        out.append(
            _("the job asks for Danish at level %(required)d; the citizen's is %(level)d")
            % {"required": int(o.danish[j]), "level": int(c.danish[i])}
        )
    if violations & engine.V_DAYS:
        labels = dict(Weekday.choices)
        missing = [labels[d] for d in Weekday.values if (o.days[j] & ~c.days[i]) & DAY_BITS[d]]
        out.append(
            _("the job is worked on %(days)s, when the citizen cannot work")
            % {"days": ", ".join(str(x) for x in missing)}
        )
    if violations & engine.V_DISTANCE:
        out.append(_("too far away"))
    if violations & engine.V_DECLINED:
        company_id = net.companies[int(o.company[j])]
        reasons = [reason for oid, reason in net.declines.get((i, company_id), ())]
        if COMPANY_DECLINED in reasons:
            out.append(_("the company declined the citizen earlier"))
        else:
            out.append(_("this match was declined earlier"))
    return out


def _matches(net, rows, cols, reader=Reader()):
    """Match objects for the pairs (rows[k], cols[k]), in that order: factors computed together, objects
    fetched together."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    if not len(rows):
        return []
    net.materialise(rows.tolist())
    net.openings.materialise(cols.tolist())
    parts = engine.components(net.citizens, rows, net.jobs, cols, net.flags)
    score = engine.score_from(parts)
    out = []
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        pair = {name: float(values[k]) for name, values in parts.items()}
        pair["score"] = float(score[k])
        out.append(_match(net, i, j, pair, reader))
    return out


def _match(net, i, j, parts, reader=Reader()):
    km = parts.get("distance_km")
    enrolment = net.enrolment(i)
    return Match(
        citizen=enrolment.citizen,
        enrolment=enrolment,
        opening=net.openings[j],
        score=round(float(parts["score"]), 1),
        reasons=reasons_for(net, i, j, parts, reader),
        distance_km=None if km is None or np.isnan(km) else round(float(km), 1),
        factors=parts,
    )


# --- The API -------------------------------------------------------------------------------------


def could_be_taken(openings, enrolment, *, on=None):
    """The openings narrowed in SQL by what the citizen can take at most: no more weekly hours than the most the
    citizen can work (the estimate, or any agreement of hours on one of the enrolment's placements), no Danish level
    above the citizen's highest assessed one (none assessed: any). As `could_take`, a superset of the feasible ones,
    so the ranking over it is the ranking over them all. The tests are subqueries of the openings' own query."""
    on = _today(on)
    agreed = AgreedHoursChange.objects.filter(placement__enrolment=enrolment, from_date__lte=on).annotate(
        total=F("ordinary_hours") + F("internship_hours")
    )
    if enrolment.estimated_weekly_hours is not None:  # no estimate given: the hours rule does not apply (load)
        slack = float(enrolment.estimated_weekly_hours) + 0.05
        openings = openings.filter(
            Q(weekly_hours__lte=slack) | Exists(agreed.filter(total__gte=OuterRef("weekly_hours") - Decimal("0.05")))
        )
    danish = CompetenceAssessment.objects.filter(
        citizen_id=enrolment.citizen_id, area=CompetenceAssessment.Area.DANISH, assessed_on__lte=on
    )
    return openings.filter(
        Q(danish_level_required__isnull=True)
        | ~Exists(danish)
        | Exists(danish.filter(level__gte=OuterRef("danish_level_required")))
    )


def rank_openings(enrolment, *, limit=50, on=None, reader=None):
    """The open openings of the enrolment's programme that the citizen can take, best first, explained for the reader.

    Only the openings `could_be_taken` keeps are loaded: the same ranking, without loading those out of reach."""
    on = _today(on)
    if enrolment.control_group:  # a lottery's control group gets no small jobs from the programme
        return []
    candidates = could_be_taken(open_openings(enrolment.programme_id), enrolment, on=on)
    net = load(Enrolment.objects.filter(pk=enrolment.pk), candidates, on=on)
    if not len(net) or not len(net.openings):
        return []
    net.objects[0] = enrolment
    idx, _scores = engine.rank_openings(net.citizens, 0, net.jobs, net.flags, limit=limit)
    return _matches(net, np.zeros(len(idx), np.int64), idx, Reader.of(reader))


def could_take(enrolments, opening, *, on=None):
    """The enrolments narrowed in SQL by the hard rules the database checks cheaply for the opening: restrictions in
    force that forbid its tasks or days, a weekly capacity below its hours, an assessed Danish level below the one it
    asks for. Each test keeps more than the engine would (any agreement of hours, any assessment that reaches the
    level), never less, so the engine's ranking over what is left is the ranking over them all: only citizens it
    would exclude are left out, and those left keep their order (by id) and scores."""
    on = _today(on)
    requirements = set(opening.requirements or ())
    tags = [tag for tag, forbids in RESTRICTION_FORBIDS.items() if requirements & set(forbids)]
    worked = 0
    for day in opening.days or ():
        worked |= DAY_BITS.get(day, 0)
    tags += [tag for tag, allowed in RESTRICTION_DAYS.items() if worked & ~allowed and tag not in tags]
    if tags:
        forbidding = _in_force(
            Restriction.objects.filter(citizen=OuterRef("citizen_id"), tag__in=tags), "recorded_on", "ended_on", on
        )
        enrolments = enrolments.exclude(Exists(forbidding))
    hours = float(opening.weekly_hours or 0)
    if hours > 0:
        slack = hours - 0.05  # below any rounding of the engine's comparison
        agreed = (
            AgreedHoursChange.objects.filter(placement__enrolment=OuterRef("pk"), from_date__lte=on)
            .annotate(total=F("ordinary_hours") + F("internship_hours"))
            .filter(total__gte=slack)
        )
        enrolments = enrolments.filter(
            Q(estimated_weekly_hours__gte=slack) | Q(estimated_weekly_hours__isnull=True) | Exists(agreed)
        )
    level = opening.danish_level_required or 0
    if level:
        danish = CompetenceAssessment.objects.filter(
            citizen=OuterRef("citizen_id"), area=CompetenceAssessment.Area.DANISH, assessed_on__lte=on
        )
        enrolments = enrolments.filter(~Exists(danish) | Exists(danish.filter(level__gte=level)))
    return enrolments


def rank_citizens(opening, *, limit=50, on=None, reader=None, among=None):
    """The citizens of the opening's programme who can take it, best first (active, steps 1-2, or 3 without a placement).

    The citizens' features come from the pool (jobbro/matching/pool.py), which keeps those of the programme's
    rankable enrolments in memory and rereads only the citizens whose records changed; the opening, its company's
    record and what the citizens went through with the company before are read for each ranking. `among` (a
    queryset of enrolments, e.g. the reader's scope) ranks only those: the programme's ranking with the others left
    out, since each pair's score is its own and ties go by id."""
    on = _today(on)
    if citizen_pool.in_own_transaction():
        return _rank_citizens_read(opening, limit=limit, on=on, reader=reader, among=among)
    pool = citizen_pool.citizens(opening.programme_id, on, rankable_network)
    side = pool.net
    usable = None
    if among is not None:
        visible = np.fromiter(among.values_list("pk", flat=True), dtype=np.int64)
        usable = np.isin(np.asarray(side.enrolment_ids, dtype=np.int64), visible)
    job = load(Enrolment.objects.none(), Opening.objects.filter(pk=opening.pk), on=on, vocabulary=dict(pool.vocabulary))
    if not len(side) or not len(job.openings):
        return []
    company_index = {company_id: k for k, company_id in enumerate(job.companies)}
    failed, company_flags, opening_flags, declines = pair_facts(
        None, pool.by_citizen, company_index, {opening.pk: 0}, on=on
    )
    net = replace(
        side,
        openings=job.openings,
        jobs=job.jobs,
        companies=job.companies,
        record=job.record,
        flags=engine.PairFlags.build(
            n_companies=len(job.companies), n_openings=1, company=company_flags, opening=opening_flags
        ),
        failed=failed,
        declines=declines,
        objects={},
    )
    net.openings.put(opening)
    idx, _scores = engine.rank_citizens(net.citizens, net.jobs, 0, net.flags, limit=limit, usable=usable)
    return _matches(net, idx, np.zeros(len(idx), np.int64), Reader.of(reader))


def rankable_network(programme_id, on, citizen_ids, vocabulary):
    """The Network (no openings) of the programme's rankable enrolments on `on`, of these citizens only unless None:
    what the citizen pool keeps (jobbro/matching/pool.py)."""
    rankable = rankable_enrolments(programme_id, on=on)
    enrolments = rankable if citizen_ids is None else rankable.filter(citizen_id__in=sorted(citizen_ids))
    return load(enrolments, Opening.objects.none(), on=on, related=rankable, vocabulary=vocabulary)


def warm_citizen_pools(on=None):
    """Read every programme's rankable citizens into this process's pool, before the first ranking asks."""
    citizen_pool.warm(rankable_network, on=on)


def _rank_citizens_read(opening, *, limit, on, reader, among):
    """rank_citizens read straight from the database (only the enrolments `could_take` keeps are loaded): inside a
    transaction that has written citizens' records the pool cannot see yet."""
    rankable = rankable_enrolments(opening.programme_id, on=on)
    candidates = could_take(rankable, opening, on=on)
    if among is not None:
        candidates = candidates.filter(pk__in=among.values("pk"))
    net = load(candidates, Opening.objects.filter(pk=opening.pk), on=on, related=rankable)
    if not len(net) or not len(net.openings):
        return []
    net.openings.put(opening)
    idx, _scores = engine.rank_citizens(net.citizens, net.jobs, 0, net.flags, limit=limit)
    return _matches(net, idx, np.zeros(len(idx), np.int64), Reader.of(reader))


def remaining_capacity(net, *, on=None):
    """Places free per opening: capacity less the running placements on it and the open proposals for it."""
    on = _today(on)
    ids = [pk for pk in net.openings.ids if pk is not None]
    taken = dict(
        running_placements(on)
        .filter(opening__in=ids)
        .values("opening_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("opening_id", "n")
    )
    proposal_model = _proposal_model()
    if proposal_model is not None:
        for opening_id, count in (
            proposal_model.objects.open()
            .filter(opening__in=ids)
            .values("opening_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("opening_id", "n")
        ):
            taken[opening_id] = taken.get(opening_id, 0) + count
    return np.array(
        [
            max(0, int(places) - taken.get(pk, 0)) if pk is not None else 0
            for pk, places in zip(net.openings.ids, net.jobs.capacity.tolist(), strict=True)
        ],
        dtype=np.int64,
    )


@dataclass
class AssignmentResult:
    """What an assignment run found: its pairs (enrolment id, opening id, score), best first, and its sizes."""

    pairs: list
    citizens: int = 0  # waiting citizens
    openings: int = 0  # small jobs with a free place
    places: int = 0  # free places in all
    feasible: int = 0  # pairs no hard rule rules out, with a free place
    candidates: int = 0  # pairs kept for the assignment (each citizen's and each small job's best)


def _assign(programme, *, on=None, keep=None, phase=None, progress=None):
    """(the network, the engine's assignment, the result's sizes) for the programme's waiting citizens."""
    keep = int(keep or settings.ASSIGNMENT_CANDIDATES)
    phase = phase or (lambda name: None)
    phase("loading")
    net = load(waiting_enrolments(programme, on=on), open_openings(programme), on=on)
    result = AssignmentResult([], citizens=len(net))
    if not len(net) or not len(net.openings):
        return net, None, result
    capacity = remaining_capacity(net, on=on)
    result.openings, result.places = int(np.count_nonzero(capacity)), int(capacity.sum())
    phase("scoring")
    candidates = engine.pruned_pairs(
        net.citizens, net.jobs, net.flags, keep=keep, usable=capacity > 0, progress=progress
    )
    result.feasible, result.candidates = candidates.feasible, len(candidates)
    phase("solving")
    assignment = engine.assign(len(net), capacity, candidates.rows, candidates.cols, candidates.scores)
    order = np.lexsort((assignment.rows, -assignment.scores))
    result.pairs = [
        (net.enrolment_ids[i], net.openings.ids[j], float(score))
        for i, j, score in zip(
            assignment.rows[order].tolist(),
            assignment.cols[order].tolist(),
            assignment.scores[order].tolist(),
            strict=True,
        )
    ]
    return net, assignment, result


def compute_assignment(programme, *, on=None, keep=None, phase=None, progress=None):
    """The assignment of the waiting citizens to the free places of the open small jobs with the highest total score,
    over the candidate pairs: each citizen's `keep` best small jobs and each small job's `keep` best citizens
    (settings.ASSIGNMENT_CANDIDATES unless given). An `AssignmentResult`; nothing in it is written for a reader.

    Waiting: active, step 2, no running placement, no open proposal. Each small job takes at most its free places
    (capacity less running placements and open proposals); nobody is forced into a pair. `phase(name)` is called as
    the work moves on (loading, scoring, solving) and `progress(done, total)` with the citizens scored.
    """
    return _assign(programme, on=on, keep=keep, phase=phase, progress=progress)[2]


def propose_assignment(programme, *, on=None, reader=None, keep=None):
    """The assignment (`compute_assignment`) as Match objects explained for the reader, best first."""
    net, assignment, _result = _assign(programme, on=on, keep=keep)
    if assignment is None:
        return []
    matches = _matches(net, assignment.rows, assignment.cols, Reader.of(reader))
    matches.sort(key=lambda m: (-m.score, m.citizen.last_name, m.citizen.first_name, m.enrolment.pk))
    return matches


def explain_pairs(pairs, *, on=None, reader=None):
    """Match objects for stored pairs [(enrolment, opening, score)], in that order, explained now for the reader.

    The score is the stored one. A pair that no longer suits (a hard rule rules it out today, or the small job is
    no longer open) is `excluded` and its reasons say why. One load for all the pairs: a fixed number of queries.
    """
    if not pairs:
        return []
    enrolments = {e.pk: e for e, _o, _s in pairs}
    openings = {o.pk: o for _e, o, _s in pairs}
    net = load(Enrolment.objects.filter(pk__in=list(enrolments)), Opening.objects.filter(pk__in=list(openings)), on=on)
    row = {pk: i for i, pk in enumerate(net.enrolment_ids)}
    column = {pk: j for j, pk in enumerate(net.openings.ids)}
    for pk, i in row.items():
        net.objects[i] = enrolments[pk]
    for opening in openings.values():
        net.openings.put(opening)
    rows = np.array([row[e.pk] for e, _o, _s in pairs], np.int64)
    cols = np.array([column[o.pk] for _e, o, _s in pairs], np.int64)
    violations, _scores = engine.evaluate(net.citizens, rows, net.jobs, cols, net.flags)
    reader = Reader.of(reader)
    matches = _matches(net, rows, cols, reader)
    for k, (match, (_e, opening, score)) in enumerate(zip(matches, pairs, strict=True)):
        match.score = round(float(score), 1)
        reasons = [] if opening.status == Opening.Status.OPEN else [_("the small job is not open")]
        if violations[k]:
            reasons += excluded_sentences(net, int(rows[k]), int(cols[k]), int(violations[k]), reader)
        if reasons:
            match.reasons, match.excluded = reasons, True
    return matches


def excluded_reasons(enrolment, opening, *, on=None, reader=None):
    """Why the citizen cannot take the opening (translated sentences, for the reader); [] if the pair is feasible."""
    net = load(Enrolment.objects.filter(pk=enrolment.pk), Opening.objects.filter(pk=opening.pk), on=on)
    out = []
    if opening.status != Opening.Status.OPEN:
        out.append(_("the small job is not open"))
    if opening.programme_id != enrolment.programme_id:
        out.append(_("the small job belongs to another programme"))
    violations, _parts = engine.explain(net.citizens, 0, net.jobs, 0, net.flags)
    return out + excluded_sentences(net, 0, 0, violations, Reader.of(reader))


def why_not_openings(enrolment, openings, *, on=None, reader=None):
    """[(opening, sentences)] for a page of the open small jobs left out of the citizen's ranking: why each is ruled
    out, for the reader ([] when nothing rules it out and it only ranks lower). One load for the page."""
    openings = list(openings)
    if not openings:
        return []
    net = load(
        Enrolment.objects.filter(pk=enrolment.pk), Opening.objects.filter(pk__in=[o.pk for o in openings]), on=on
    )
    column = {pk: j for j, pk in enumerate(net.openings.ids)}
    cols = np.array([column[o.pk] for o in openings], np.int64)
    violations, _scores = engine.evaluate(net.citizens, np.zeros(len(cols), np.int64), net.jobs, cols, net.flags)
    reader = Reader.of(reader)
    return [
        (opening, excluded_sentences(net, 0, j, v, reader))
        for opening, j, v in zip(openings, cols.tolist(), violations.tolist(), strict=True)
    ]


def why_not_citizens(enrolments, opening, *, on=None, reader=None):
    """[(enrolment, sentences)] for a page of the citizens left out of a small job's ranking, as `why_not_openings`."""
    enrolments = list(enrolments)
    if not enrolments:
        return []
    net = load(
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]), Opening.objects.filter(pk=opening.pk), on=on
    )
    row = {pk: i for i, pk in enumerate(net.enrolment_ids)}
    rows = np.array([row[e.pk] for e in enrolments], np.int64)
    violations, _scores = engine.evaluate(net.citizens, rows, net.jobs, np.zeros(len(rows), np.int64), net.flags)
    reader = Reader.of(reader)
    return [
        (enrolment, excluded_sentences(net, i, 0, v, reader))
        for enrolment, i, v in zip(enrolments, rows.tolist(), violations.tolist(), strict=True)
    ]


def explain_pair(enrolment, opening, *, on=None, reader=None):
    """A Match for one pair, feasible or not (score 0 and the exclusions as reasons when infeasible)."""
    net = load(Enrolment.objects.filter(pk=enrolment.pk), Opening.objects.filter(pk=opening.pk), on=on)
    net.objects[0] = enrolment
    net.openings.put(opening)
    violations, parts = engine.explain(net.citizens, 0, net.jobs, 0, net.flags)
    reader = Reader.of(reader)
    match = _match(net, 0, 0, parts, reader)
    if violations:
        match.reasons = excluded_sentences(net, 0, 0, violations, reader)
    return match


def speed_dating_plan(*, enrolments, companies, rounds, on=None):
    """Rounds of meetings for a network event: [[(Enrolment, Company, score), ...], ...].

    A citizen meets a company when at least one of the company's open small jobs suits them (the best one's
    score counts); a company without an open small job counts as a job with no requirements. In a round each
    citizen and each company is in at most one meeting; no pair meets twice.
    """
    on = _today(on)
    enrolments = list(enrolments)
    enrolment_ids = [e.pk for e in enrolments]
    company_list = list(companies)
    company_ids = [c.pk for c in company_list]
    if not enrolment_ids or not company_ids or rounds <= 0:
        return [[] for _ in range(max(0, int(rounds)))]
    programmes = {e.programme_id for e in enrolments}
    event_openings = Opening.objects.open().filter(company__in=company_ids, programme__in=programmes)
    with_openings = set(event_openings.values_list("company_id", flat=True))
    net = load(
        Enrolment.objects.filter(pk__in=enrolment_ids),
        event_openings,
        on=on,
        extra_companies=[c for c in company_list if c.pk not in with_openings],
    )
    n, k = len(net), len(company_list)
    column = {cid: x for x, cid in enumerate(company_ids)}
    score = np.zeros((n, k))
    feasible = np.zeros((n, k), dtype=bool)
    rows, cols, scores = engine.feasible_pairs(net.citizens, net.jobs, net.flags)
    for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True):
        company_id = net.companies[net.jobs.company[j]]
        x = column[company_id]
        if not feasible[i, x] or s > score[i, x]:
            score[i, x], feasible[i, x] = s, True
    plan = engine.speed_dating(score, feasible, rounds)
    by_pk = {c.pk: c for c in company_list}
    by_enrolment = {e.pk: e for e in enrolments}
    return [
        [(by_enrolment[net.enrolment_ids[i]], by_pk[company_ids[x]], round(s, 1)) for i, x, s in meetings]
        for meetings in plan
    ]
