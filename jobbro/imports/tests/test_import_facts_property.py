"""The report facts are right by construction after any import: Hypothesis writes random small but valid import files
(real .xlsx files, one per sheet, made from the download templates with the project's row writer), imports them
through the real runner, imports the companies sheet again with new kinds, and compares every stored fact
(reporting/models.py EnrolmentFacts, PlacementFacts, JobBrokerPeriod) with a plain computation from the rows the files
held, in Python, not from the database. The companies' track records are compared with their one definition
(reporting/track_record.py, through company_facts.stale)."""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.cases.actions import monday_of
from jobbro.cases.models import Enrolment, Placement
from jobbro.conftest import make_cpr, make_cvr, rolled_back
from jobbro.imports import runner, schemas
from jobbro.people import cpr
from jobbro.reporting import company_facts
from jobbro.reporting.models import EnrolmentFacts, JobBrokerPeriod, PlacementFacts
from jobbro.spreadsheets import append_row

pytestmark = pytest.mark.django_db

BASE = datetime.date(2025, 1, 6)
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)
PROGRAMME = "Job i Nordvest"
SITE = "Aarhus Kommune"
# Company kinds as the sheet writes them, and as they are stored.
COMPANY_KINDS = {"privat": "private", "socialøkonomisk": "social_economic", "boligorganisation": "housing"}
# Placement kinds as the sheet writes them; the first two have an internship part.
PLACEMENT_KINDS = {
    "praktik": "internship",
    "hybridpraktik": "hybrid_internship",
    "småjob": "small_job",
    "løntilskud": "wage_subsidy",
}
INTERNSHIP_KINDS = {"internship", "hybrid_internship"}
HOURS = ["0", "2,5", "7,5", "12", "20"]


# --- The rows, as plain data ------------------------------------------------------------------------------------


@dataclass
class PlacementRow:
    external_id: str
    company: int  # index into World.companies
    kind: str  # stored value
    starts_on: datetime.date
    ended_on: datetime.date | None
    agreed_ordinary_hours: Decimal | None
    planned_end_on: datetime.date | None = None
    weeks: list = field(default_factory=list)  # [(monday, ordinary, internship)]


@dataclass
class EnrolmentRow:
    citizen: int
    referred_on: datetime.date
    ended_on: datetime.date | None
    job_broker: str
    placements: list = field(default_factory=list)
    contacts: list = field(default_factory=list)  # [(external id, date, company index or None)]
    steps: list = field(default_factory=list)  # [(step, date)] of the step-change sheet


@dataclass
class World:
    companies: list  # [kind], stored values; company i has make_cvr(9000 + i)
    citizens: int
    enrolments: list  # one per citizen
    cv: list  # [(citizen index, recorded_on)]


def hours(text):
    return Decimal(text.replace(",", "."))


@st.composite
def placements(draw, referred_on, n_companies, number):
    starts_on = referred_on + draw(st.integers(0, 60)) * DAY
    ended_on = starts_on + draw(st.integers(14, 200)) * DAY if draw(st.booleans()) else None
    kind = draw(st.sampled_from(sorted(PLACEMENT_KINDS.values())))
    agreed = draw(st.sampled_from([None, Decimal(0), Decimal(8)]))
    planned = starts_on + draw(st.integers(0, 120)) * DAY if draw(st.booleans()) else None
    placement = PlacementRow(
        f"VF-{number}", draw(st.integers(0, n_companies - 1)), kind, starts_on, ended_on, agreed, planned
    )
    # A run of weeks from a week after the start: enough for 13 weeks in a row now and then.
    first = draw(st.integers(0, 4))
    for k in range(first, first + draw(st.integers(0, 16))):
        monday = monday_of(starts_on) + k * WEEK
        if ended_on is not None and monday >= ended_on:
            break
        ordinary = draw(st.sampled_from(HOURS))
        internship = draw(st.sampled_from(HOURS)) if kind in INTERNSHIP_KINDS else "0"
        placement.weeks.append((monday, ordinary, internship))
    return placement


@st.composite
def worlds(draw):
    companies = draw(st.lists(st.sampled_from(sorted(COMPANY_KINDS.values())), min_size=1, max_size=3))
    citizens = draw(st.integers(1, 3))
    enrolments, numbers = [], iter(range(1000))
    for citizen in range(citizens):
        referred_on = BASE + draw(st.integers(0, 60)) * DAY
        enrolment = EnrolmentRow(citizen, referred_on, None, draw(st.sampled_from(["alice", ""])))
        enrolment.placements = [
            draw(placements(referred_on, len(companies), next(numbers))) for _p in range(draw(st.integers(0, 2)))
        ]
        if draw(st.booleans()):
            # The end form comes after every placement has ended (the import refuses one still running).
            for placement in enrolment.placements:
                if placement.ended_on is None:
                    last_week = max((w[0] for w in placement.weeks), default=placement.starts_on)
                    placement.ended_on = max(placement.starts_on, last_week) + 7 * DAY
            ends = [p.ended_on for p in enrolment.placements]
            enrolment.ended_on = max([referred_on + 30 * DAY, *ends]) + draw(st.integers(0, 20)) * DAY
        latest = enrolment.ended_on or referred_on + 300 * DAY
        # Step changes strictly between the start form and the end form (those two days have their own steps).
        if (latest - referred_on).days > 1 and draw(st.booleans()):
            on = referred_on + draw(st.integers(1, (latest - referred_on).days - 1)) * DAY
            enrolment.steps.append((draw(st.sampled_from([2, 3])), on))
        for _contact in range(draw(st.integers(0, 2))):
            on = referred_on + draw(st.integers(0, (latest - referred_on).days)) * DAY
            company = draw(st.one_of(st.none(), st.integers(0, len(companies) - 1)))
            enrolment.contacts.append((f"K-{next(numbers)}", on, company))
        enrolments.append(enrolment)
    cv = [
        (citizen, BASE + draw(st.integers(0, 400)) * DAY)
        for citizen in range(citizens)
        for _entry in range(draw(st.integers(0, 2)))
    ]
    return World(companies, citizens, enrolments, cv)


# --- Writing the files ----------------------------------------------------------------------------------------------


def dmy(day):
    return day.strftime("%d.%m.%Y") if day else ""


def cvr_of(index):
    return make_cvr(9000 + index)


def cpr_of(index):
    return make_cpr(7000 + index)


def sheet_file(kind, rows):
    """The download template of the sheet (schemas.template_workbook) with its example row replaced by `rows`, given
    as {column name: value}; written with jobbro.spreadsheets.append_row."""
    book = load_workbook(io.BytesIO(schemas.template_workbook(kind)))
    sheet = book[schemas.BY_KIND[kind].da]
    sheet.delete_rows(2)
    names = [column.name for column in schemas.BY_KIND[kind].columns]
    for row in rows:
        append_row(sheet, [row.get(name, "") for name in names])
    buffer = io.BytesIO()
    book.save(buffer)
    return (f"{kind}.xlsx", buffer.getvalue())


def company_file(world, kinds):
    words = {stored: word for word, stored in COMPANY_KINDS.items()}
    return sheet_file(
        "companies",
        [
            {"cvr": cvr_of(i), "name": f"Virksomhed {i}", "industry_code": "561010", "kind": words[kind]}
            for i, kind in enumerate(kinds)
        ],
    )


def step_file(world):
    return sheet_file(
        "step_changes",
        [
            {"programme": PROGRAMME, "cpr": cpr_of(e.citizen), "step": str(step), "changed_on": dmy(on)}
            for e in world.enrolments
            for step, on in e.steps
        ],
    )


def files(world):
    placement_words = {stored: word for word, stored in PLACEMENT_KINDS.items()}
    at = {"programme": PROGRAMME}
    enrolments, placement_rows, weeks, contacts = [], [], [], []
    for e in world.enrolments:
        enrolments.append(
            {
                **at,
                "cpr": cpr_of(e.citizen),
                "site": SITE,
                "referred_on": dmy(e.referred_on),
                "ended_on": dmy(e.ended_on),
                "traffic_light_at_referral": "gul",
                "estimated_weekly_hours": "10",
                "job_broker": e.job_broker,
            }
        )
        for p in e.placements:
            agreement = (
                {"agreed_ordinary_hours": str(p.agreed_ordinary_hours)}
                if p.agreed_ordinary_hours is not None
                else {"no_hours_reason": "Afklaring først"}
            )
            placement_rows.append(
                {
                    **at,
                    **agreement,
                    "external_id": p.external_id,
                    "cpr": cpr_of(e.citizen),
                    "cvr": cvr_of(p.company),
                    "kind": placement_words[p.kind],
                    "starts_on": dmy(p.starts_on),
                    "ended_on": dmy(p.ended_on),
                    "planned_end_on": dmy(p.planned_end_on),
                    "end_reason": "gennemført" if p.ended_on else "",
                }
            )
            weeks += [
                {
                    **at,
                    "placement": p.external_id,
                    "week_start": dmy(monday),
                    "ordinary_hours": o,
                    "internship_hours": i,
                }
                for monday, o, i in p.weeks
            ]
        contacts += [
            {
                **at,
                "external_id": external_id,
                "cpr": cpr_of(e.citizen),
                "kind": "samtale",
                "occurred_on": dmy(on),
                "cvr": cvr_of(company) if company is not None else "",
                "staff": "alice",
            }
            for external_id, on, company in e.contacts
        ]
    citizens = [
        {"cpr": cpr_of(i), "first_name": f"Borger{i}", "last_name": "Tilfældig", "traffic_light": "gul"}
        for i in range(world.citizens)
    ]
    cv = [
        {"cpr": cpr_of(c), "kind": "erhvervserfaring", "title": f"Job {n}", "recorded_on": dmy(on)}
        for n, (c, on) in enumerate(world.cv)
    ]
    return [
        company_file(world, world.companies),
        sheet_file("citizens", citizens),
        sheet_file("enrolments", enrolments),
        step_file(world),
        sheet_file("cv", cv),
        sheet_file("placements", placement_rows),
        sheet_file("timesheets", weeks),
        sheet_file("contacts", contacts),
    ]


# --- The facts, computed plainly from the rows ------------------------------------------------------------------


def first(days):
    days = [d for d in days if d is not None]
    return min(days) if days else None


def thirteen_weeks(enrolment):
    """13 weeks in a row with hours among the 26 weeks from the ISO week of the referral (reporting/fidelity.py)."""
    worked = {
        ((monday - enrolment.referred_on).days + 6) // 7
        for p in enrolment.placements
        for monday, o, i in p.weeks
        if hours(o) + hours(i) > 0 and enrolment.referred_on - 6 * DAY <= monday <= enrolment.referred_on + 175 * DAY
    }
    return any(all(w + k in worked for k in range(13)) for w in range(0, 26))


def overlaps_from(placement, placements, pks):
    """The first day the placement runs together with a placement of the same case recorded after it (a greater id):
    from the later start, when each starts before the other has ended (an end date is the first day not running)."""

    def before_end(day, p):
        return p.ended_on is None or day < p.ended_on

    days = [
        max(placement.starts_on, other.starts_on)
        for other in placements
        if pks[other.external_id] > pks[placement.external_id]
        and before_end(other.starts_on, placement)
        and before_end(placement.starts_on, other)
    ]
    return min(days) if days else None


def paid_on(placement):
    paid = [monday for monday, o, _i in placement.weeks if hours(o) > 0]
    return max(min(paid), placement.starts_on) if paid else None


def expected_facts(world, kinds, ids):
    """{model: {key: values}} as the rows say; `kinds` are the companies' kinds after the last import, `ids` the
    database ids of the enrolments and placements (by citizen and by external id) and of alice."""
    enrolment_facts, placement_facts, periods = {}, {}, {}
    for e in world.enrolments:
        pk = ids["enrolments"][e.citizen]
        cv_days = [on for c, on in world.cv if c == e.citizen]

        def starts(only=None, e=e):
            return first(p.starts_on for p in e.placements if only is None or only(p))

        def paid(only=None, e=e):
            return first(paid_on(p) for p in e.placements if only is None or only(p))

        def social(p):
            return kinds[p.company] == "social_economic"

        def housing(p):
            return kinds[p.company] == "housing"

        enrolment_facts[pk] = {
            "first_contact_on": first(on for _x, on, _c in e.contacts),
            "first_upskilling_decision_on": None,
            "first_job_goal_on": None,
            "job_goal_in_time": False,  # the import writes no job goals
            "first_cv_entry_on": first(cv_days),
            "thirteen_weeks_by_week_26": thirteen_weeks(e),
            "first_start_on": starts(),
            "first_paid_on": paid(),
            "first_social_economic_start_on": starts(social),
            "first_social_economic_paid_on": paid(social),
            "first_housing_start_on": starts(housing),
            "first_housing_paid_on": paid(housing),
            "first_internship_start_on": starts(lambda p: p.kind in INTERNSHIP_KINDS),
            # The history the import writes: step 1 on the start form date, the sheet's step changes between,
            # step 4 on the end form date.
            "latest_step": 4 if e.ended_on else max([(e.referred_on, 1)] + [(on, step) for step, on in e.steps])[1],
            "latest_step_on": e.ended_on or max([e.referred_on] + [on for _s, on in e.steps]),
            "outcomes_before_referral": 0,
            "latest_follow_up_contact_on": max((on for _x, on, _c in e.contacts), default=None),
        }
        broker = ids["alice"] if e.job_broker else None
        periods[pk] = [(broker, e.referred_on if e.job_broker else None, None)]
        for p in e.placements:
            mondays = [monday for monday, _o, _i in p.weeks]
            paid_weeks = [monday for monday, o, _i in p.weeks if hours(o) > 0]
            ends = [day for day in (p.ended_on, e.ended_on) if day is not None]
            placement_facts[ids["placements"][p.external_id]] = {
                "enrolment_id": pk,
                "first_week": first(mondays),
                "last_week": max(mondays) if mondays else None,
                "first_paid_week": first(paid_weeks),
                "weeks_outside_dates": bool(mondays)
                and (min(mondays) + 6 * DAY < p.starts_on or any(max(mondays) >= day for day in ends)),
                "ordinary_hours_at_start": (p.agreed_ordinary_hours or 0) > 0,
                "cv_updated": p.ended_on is not None
                and any(p.starts_on <= on <= p.ended_on + 30 * DAY for on in cv_days),
                "overlaps_from": overlaps_from(p, e.placements, ids["placements"]),
                "unended_planned_end_on": p.planned_end_on if p.ended_on is None else None,
            }
    return {"enrolment": enrolment_facts, "placement": placement_facts, "job_broker": periods}


def _fact_fields(model, key):
    """Every field of a fact model but its key: a fact added to the model is compared here without being named, so
    expected_facts must compute it (else the comparison shows it missing)."""
    return [f.attname for f in model._meta.concrete_fields if f.attname != key]


def stored_facts():
    enrolment_fields = _fact_fields(EnrolmentFacts, "enrolment_id")
    placement_fields = _fact_fields(PlacementFacts, "placement_id")
    return {
        "enrolment": {
            row.pop("enrolment_id"): row for row in EnrolmentFacts.objects.values("enrolment_id", *enrolment_fields)
        },
        "placement": {
            row.pop("placement_id"): row for row in PlacementFacts.objects.values("placement_id", *placement_fields)
        },
        "job_broker": _periods(),
    }


def _periods():
    assert _fact_fields(JobBrokerPeriod, "id") == ["enrolment_id", "user_id", "starts_on", "ends_on"]
    periods = {}
    for enrolment_id, user_id, starts_on, ends_on in JobBrokerPeriod.objects.order_by("starts_on").values_list(
        "enrolment_id", "user_id", "starts_on", "ends_on"
    ):
        periods.setdefault(enrolment_id, []).append((user_id, starts_on, ends_on))
    return periods


def differences(expected, stored):
    """Every fact that differs, as (table, key, expected, stored); empty when the stored facts are right."""
    found = []
    for table, rows in expected.items():
        for key in sorted(set(rows) | set(stored[table])):
            if rows.get(key) != stored[table].get(key):
                found.append((table, key, rows.get(key), stored[table].get(key)))
    return found


def database_ids(world, alice):
    """The ids the import gave the rows: each citizen's enrolment (found by the CPR number's hash), each placement
    (by its external id), and alice's."""
    enrolments = {
        i: Enrolment.objects.get(citizen__cpr_hash=cpr.lookup_hash(cpr_of(i))).pk for i in range(world.citizens)
    }
    placements = dict(Placement.objects.values_list("external_id", "pk"))
    return {"enrolments": enrolments, "placements": placements, "alice": alice.pk}


# --- The property ---------------------------------------------------------------------------------------------------


def run(import_files, user):
    with translation.override("da"):
        result = runner.run(import_files, user=user)
    assert result.rejected == [], result.rejected
    assert result.committed
    return result


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=worlds(), new_kinds=st.data())
def test_every_fact_after_an_import_equals_the_plain_computation_from_the_rows(cast, alice, world, new_kinds):
    with rolled_back():
        run(files(world), cast)
        ids = database_ids(world, alice)
        expected = expected_facts(world, world.companies, ids)
        for name, rows in (("enrolment", expected["enrolment"]), ("placement", expected["placement"])):
            for fact in {fact for row in rows.values() for fact, value in row.items() if value}:
                event(f"{name} fact set: {fact}")  # --hypothesis-show-statistics shows which facts were tried
        assert differences(expected, stored_facts()) == []
        assert company_facts.stale() == []
        # A second import of two sheets alone: the companies with new kinds (the facts of the cases placed there
        # follow) and the step changes with some more (the cases' latest step follows).
        kinds = new_kinds.draw(
            st.lists(
                st.sampled_from(sorted(COMPANY_KINDS.values())),
                min_size=len(world.companies),
                max_size=len(world.companies),
            )
        )
        note(f"kinds after the second import: {kinds}")
        for e in world.enrolments:
            taken = {e.referred_on, *(on for _s, on in e.steps)}
            room = ((e.ended_on or e.referred_on + 300 * DAY) - e.referred_on).days - 1
            if room > 0 and new_kinds.draw(st.booleans()):
                on = e.referred_on + new_kinds.draw(st.integers(1, room)) * DAY
                if on not in taken:
                    e.steps.append((new_kinds.draw(st.sampled_from([2, 3])), on))
        note(f"step changes after the second import: {[e.steps for e in world.enrolments]}")
        run([company_file(world, kinds), step_file(world)], cast)
        assert differences(expected_facts(world, kinds, ids), stored_facts()) == []
        assert company_facts.stale() == []


def test_the_comparison_catches_a_wrong_fact(cast, alice):
    """The property can fail: one stored fact made wrong by hand is found, and only that one."""
    world = World(
        companies=["social_economic"],
        citizens=1,
        enrolments=[
            EnrolmentRow(
                0,
                BASE,
                None,
                "alice",
                placements=[
                    PlacementRow(
                        "VF-1",
                        0,
                        "small_job",
                        BASE + 7 * DAY,
                        None,
                        Decimal(8),
                        weeks=[(monday_of(BASE + 7 * DAY) + k * WEEK, "7,5", "0") for k in range(13)],
                    )
                ],
                contacts=[("K-1", BASE + DAY, 0)],
            )
        ],
        cv=[(0, BASE + 3 * DAY)],
    )
    run(files(world), cast)
    ids = database_ids(world, alice)
    expected = expected_facts(world, world.companies, ids)
    assert expected["enrolment"][ids["enrolments"][0]]["thirteen_weeks_by_week_26"] is True
    assert expected["enrolment"][ids["enrolments"][0]]["first_social_economic_paid_on"] == BASE + 7 * DAY
    assert differences(expected, stored_facts()) == []
    EnrolmentFacts.objects.update(first_social_economic_paid_on=BASE + 14 * DAY)
    assert differences(expected, stored_facts()) == [
        (
            "enrolment",
            ids["enrolments"][0],
            expected["enrolment"][ids["enrolments"][0]],
            {**expected["enrolment"][ids["enrolments"][0]], "first_social_economic_paid_on": BASE + 14 * DAY},
        )
    ]
