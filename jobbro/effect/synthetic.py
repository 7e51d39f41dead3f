"""Synthetic register deliveries with a planted effect: for tests, the benchmark and the demo.

`write_delivery(directory, participants, ...)` writes the three delivery files Statistics Denmark would send back
(the layout of docs/effect.md, "Register data"): `persons.parquet` (person_key, birth_year, sex, origin,
municipality_code), `status.parquet` (person_key, week as ISO year-week YYYYWW, benefit_code; a week without a row
is a week without benefit) and `hours.parquet` (person_key, month "YYYY-MM", paid_hours; a month without a row has
no paid hours). It covers the given participants and a comparison pool of `pool` further persons, over `weeks`
weeks from `first_week` (a Monday). `make_participants` draws a participants table (keys, start weeks, sites,
target groups and, for a lottery, arms) in the shape `analysis.analyse` takes.

The model, the same for every person (so the methods' assumptions hold by construction, and nothing else does):

- A person has an age, a sex, an origin and a municipality, drawn independently, and an unobserved employability
  `u ~ N(0, 0.6²)`. The person's index is `a = 0.2 - 0.35 (age - 40) / 10 - 0.4 [origin not Danish] + u`.
- Week by week a persistent shock `e` follows an AR(1) with correlation 0.97 and unit variance (spells last months).
  The person is self-sufficient in a week when `a + e + effect > 0`; otherwise the week carries a benefit code of
  the person's main benefit (cash benefit, unemployment benefit, sickness, resource course, flex job, activation or
  ordinary job with supplement, as far as the mapping has codes for them; drawn once per person from shares that
  depend on age), with one week in ten another code. Some persons under 30 are in education (an SU code) in their self-sufficient weeks.
- Paid hours: in a self-sufficient week outside education the person works his or her weekly hours (drawn once,
  20 to 37), in a week with supplement 15 hours; a month's paid hours are the sum over the weeks whose Monday falls
  in the month, times a monthly noise factor (1 + N(0, 0.05²)), rounded to two decimals.
- **Selection on observables.** Participants are persons drawn from the same population, accepted with the
  probability `logistic(-2.2 + 0.25 (age - 40) / 10 + 0.5 [origin not Danish] + 1.5 w / 52 + 2.5 b + 0.4 c)`,
  where `w` is the weeks on benefit in the 52 weeks before the start, `b` = on benefit in the start week and `c` =
  on cash benefit in the start week (the first main benefit when the mapping has no cash-benefit code): all observed in the registers, and all of them also drive the outcomes (through
  `a` and `e`). Given them, taking part is independent of the outcomes, which is the assumption of the matched
  comparison; the process is stationary, so comparison persons measured at their cohort's reference week are like
  participants measured at their own start.
- **The planted effect.** From the week after the start, a programme participant's index is raised by
  `effect.index` (reached linearly over `effect.ramp_weeks` weeks), and a working programme participant works
  `effect.hours` more hours a week. Every participant is simulated twice with the same random numbers, with and
  without the effect; `SyntheticDelivery.truth` holds the individual effects (with minus without) per outcome and
  horizon, so a test compares an estimate with the effect on exactly these persons (the sample average).
- **A lottery**: participants are selected as above, and the given arms decide who gets the effect; the control
  arm never does.

Deterministic per seed and chunk size: each chunk of participants and each chunk of the pool have their own random
streams (numpy's PCG64 seeded from (seed, stream)), so a chunk's persons do not depend on the chunks before it.
Vectorised over persons, written in chunks of persons, so 510,000 persons over 260 weeks take bounded memory.
"""

import dataclasses
import datetime
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HORIZONS = (13, 26, 52, 104)
OUTCOMES = ("self_sufficient", "ordinary_hours", "paid_hours_per_week", "cumulative_self_sufficient_weeks")
# Municipality codes (real ones) the persons are spread over; participants and pool alike.
MUNICIPALITIES = (
    "101", "147", "151", "153", "155", "157", "159", "161", "163", "165",
    "167", "169", "173", "175", "183", "185", "187", "190", "201", "210",
)  # fmt: skip
ORIGINS = ("dansk", "indvandrer", "efterkommer")
ORIGIN_SHARES = (0.8, 0.15, 0.05)
# The main benefit of a person not self-sufficient (categories of jobbro/effect/categories.py), by age band.
MAIN_CATEGORIES = (
    "cash_benefit",
    "unemployment_benefit",
    "sickness",
    "resource_course",
    "flex_job",
    "activation",
    "ordinary_job_with_supplement",
)
MAIN_SHARES_YOUNG = (0.45, 0.2, 0.08, 0.05, 0.02, 0.15, 0.05)  # under 30
MAIN_SHARES_OLDER = (0.3, 0.3, 0.15, 0.08, 0.07, 0.05, 0.05)
PERSISTENCE = 0.97
PARTICIPANT_STREAM = 1
POOL_STREAM = 1000


@dataclasses.dataclass(frozen=True)
class Effect:
    """The planted effect: the index shift after the start, reached over ramp_weeks, and extra weekly hours."""

    index: float = 0.5
    ramp_weeks: int = 8
    hours: float = 2.0


@dataclasses.dataclass
class SyntheticDelivery:
    directory: Path
    persons: Path
    status: Path
    hours: Path
    participants: pd.DataFrame
    # person_key, outcome, horizon, effect: the individual planted effect (with minus without the programme)
    truth: pd.DataFrame
    rows: dict

    def true_effect(self, outcome, horizon, *, arm=None, keys=None):
        """The average planted effect on the outcome at the horizon over the participants who reach it (of the arm)."""
        t = self.truth[(self.truth.outcome == outcome) & (self.truth.horizon == horizon)]
        if arm is not None:
            keep = set(self.participants.loc[self.participants.arm == arm, "person_key"])
            t = t[t.person_key.isin(keep)]
        if keys is not None:
            t = t[t.person_key.isin(set(keys))]
        return float(t.effect.mean())


def weeks_of(first_week, weeks):
    """The Mondays of the panel's weeks."""
    if first_week.weekday() != 0:
        raise ValueError("first_week must be a Monday")
    return [first_week + datetime.timedelta(weeks=i) for i in range(weeks)]


def default_codes():
    """{benefit code: category} of the shipped default mapping (jobbro/effect/categories.py)."""
    from jobbro.effect import categories

    # The catch-all row is a rule for codes a delivery carries, not a code a delivery can carry.
    return {
        code: category for code, category, _label in categories.DEFAULT_MAPPING if code != categories.EVERY_OTHER_CODE
    }


def make_participants(
    n,
    *,
    first_week,
    weeks,
    design="register_comparison",
    seed=0,
    sites=("1", "2", "3"),
    target_groups=("under-30", "frikort", "ledig-over-1-aar"),
    start_from=104,
    start_until=None,
    key_prefix="P",
):
    """A participants table: person_key, arm, start_week (a Monday), site, target_groups (list of codes).

    Start weeks are drawn uniformly from week numbers start_from to start_until (default: weeks - 53) of the panel,
    so there are two years before and a year after each start. A lottery's arms are drawn in pairs (half each)."""
    rng = np.random.Generator(np.random.PCG64([seed, 7]))
    start_until = weeks - 53 if start_until is None else start_until
    mondays = weeks_of(first_week, weeks)
    start = rng.integers(start_from, start_until + 1, size=n)
    if design == "lottery":
        arm = np.where(rng.permutation(n) % 2 == 0, "programme", "control")
    else:
        arm = np.full(n, "programme")
    site = rng.choice(np.array(sites), size=n)
    groups = [
        sorted({g for g, take in zip(target_groups, row, strict=True) if take})
        for row in rng.random((n, len(target_groups))) < 0.3
    ]
    return pd.DataFrame(
        {
            "person_key": [f"{key_prefix}{i:09d}" for i in range(1, n + 1)],
            "arm": arm,
            "start_week": [mondays[s] for s in start],
            "site": site,
            "target_groups": groups,
        }
    )


def _codes_by_category(codes):
    by = {}
    for code, category in sorted(codes.items()):
        by.setdefault(category, []).append(code)
    return by


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


class _Population:
    """Draws persons and their weekly paths; one instance per delivery (fixed weeks, codes and effect)."""

    def __init__(self, *, first_week, weeks, codes, effect):
        self.weeks = weeks
        self.mondays = weeks_of(first_week, weeks)
        self.effect = effect
        by = _codes_by_category(codes)
        # The main benefits the mapping has codes for (with their shares renormalised); a mapping with none of them
        # uses its other categories on benefit, in equal shares.
        main = [c for c in MAIN_CATEGORIES if c in by]
        young = np.array([s for c, s in zip(MAIN_CATEGORIES, MAIN_SHARES_YOUNG, strict=True) if c in by])
        older = np.array([s for c, s in zip(MAIN_CATEGORIES, MAIN_SHARES_OLDER, strict=True) if c in by])
        if not main:
            main = sorted(c for c in by if c not in ("self_sufficient", "education"))
            if not main:
                raise ValueError("the mapping has no code of a category on benefit")
            young = older = np.ones(len(main))
        self.main_categories = main
        self.shares_young, self.shares_older = young / young.sum(), older / older.sum()
        # A person's main code is the first code of the main category; other weeks draw any code of the categories.
        self.main_codes = np.array([by[c][0] for c in main])
        self.other_codes = np.array([code for c in main for code in by[c]])
        self.education_code = by["education"][0] if "education" in by else None
        # "On cash benefit" in the participation model: cash benefit, or the first main benefit without one.
        self.cash_code = self.main_codes[main.index("cash_benefit") if "cash_benefit" in main else 0]
        self.supplement_code = by["ordinary_job_with_supplement"][0] if "ordinary_job_with_supplement" in by else None
        iso = [d.isocalendar() for d in self.mondays]
        self.week_codes = np.array([y * 100 + w for y, w, _ in iso], dtype=np.int32)
        month_of = [(d.year, d.month) for d in self.mondays]
        self.months = sorted(set(month_of))
        self.month_labels = np.array([f"{y:04d}-{m:02d}" for y, m in self.months])
        self.month_index = np.array([self.months.index(m) for m in month_of])
        # Column where each month starts (weeks are in order, so a month's weeks are consecutive).
        self.month_starts = np.searchsorted(self.month_index, np.arange(len(self.months)))
        self.mid_year = self.mondays[weeks // 2].year

    def persons(self, rng, n):
        age = rng.integers(18, 65, size=n)
        p = {
            "birth_year": (self.mid_year - age).astype(np.int16),
            "sex": np.where(rng.random(n) < 0.5, "M", "K"),
            "origin": rng.choice(np.array(ORIGINS), size=n, p=ORIGIN_SHARES),
            "municipality_code": rng.choice(np.array(MUNICIPALITIES), size=n),
        }
        young = age < 30
        main = np.where(
            young,
            rng.choice(len(self.main_categories), size=n, p=self.shares_young),
            rng.choice(len(self.main_categories), size=n, p=self.shares_older),
        )
        p["_age"] = age
        p["_main"] = main
        p["_student"] = young & (rng.random(n) < 0.4)
        p["_hours"] = rng.uniform(20, 37, size=n)
        p["_index"] = 0.2 - 0.35 * (age - 40) / 10 - 0.4 * (p["origin"] != "dansk") + rng.normal(0, 0.6, size=n)
        return p

    def paths(self, rng, p):
        """The shocks and per-week draws of the persons (the random numbers both potential paths share)."""
        n = len(p["_age"])
        e = np.empty((n, self.weeks), dtype=np.float32)
        e[:, 0] = rng.standard_normal(n, dtype=np.float32)
        eps = rng.standard_normal((n, self.weeks), dtype=np.float32) * np.float32(math.sqrt(1 - PERSISTENCE**2))
        for t in range(1, self.weeks):
            e[:, t] = PERSISTENCE * e[:, t - 1] + eps[:, t]
        other = rng.random((n, self.weeks), dtype=np.float32) < 0.1
        other_code = rng.integers(0, len(self.other_codes), size=(n, self.weeks))
        noise = 1 + rng.normal(0, 0.05, size=(n, len(self.months)))
        return {"e": e, "other": other, "other_code": other_code, "noise": noise}

    def shift(self, start, treated):
        """The planted index shift per person and week: zero before the start, ramping up after it."""
        if not treated.any():
            return None
        n = len(start)
        rel = np.arange(self.weeks)[None, :] - start[:, None]
        ramp = np.clip(rel / max(self.effect.ramp_weeks, 1), 0, 1)
        return (self.effect.index * ramp * treated[:, None]).astype(np.float32).reshape(n, self.weeks)

    def outcomes(self, p, draws, shift=None, start=None, treated=None):
        """(benefit week bool, code array, monthly hours) of the persons; with the effect where shift is given."""
        latent = draws["e"] + p["_index"][:, None].astype(np.float32)
        if shift is not None:
            latent = latent + shift
        ss = latent > 0
        on_benefit = ~ss
        codes = np.where(draws["other"], self.other_codes[draws["other_code"]], self.main_codes[p["_main"]][:, None])
        supplement = on_benefit & (codes == self.supplement_code) if self.supplement_code else np.zeros_like(on_benefit)
        working = ss & ~p["_student"][:, None]
        weekly = working * p["_hours"][:, None] + supplement * 15.0
        if treated is not None and self.effect.hours and treated.any():
            after = (np.arange(self.weeks)[None, :] > start[:, None]) & treated[:, None]
            weekly = weekly + working * after * self.effect.hours
        monthly = np.add.reduceat(weekly, self.month_starts, axis=1) * draws["noise"]
        monthly = np.round(monthly, 2)
        return on_benefit, codes, monthly

    def covariates_at(self, on_benefit, codes, p, start):
        rows = np.arange(len(start))
        b = on_benefit[rows, start]
        cash = b & (codes[rows, start] == self.cash_code)
        cum = np.concatenate([np.zeros((len(start), 1), dtype=np.int32), np.cumsum(on_benefit, axis=1)], axis=1)
        lo = np.maximum(start - 52, 0)
        w = cum[rows, start] - cum[rows, lo]
        return b, cash, w

    def participation(self, p, on_benefit, codes, start):
        b, cash, w = self.covariates_at(on_benefit, codes, p, start)
        x = -2.2 + 0.25 * (p["_age"] - 40) / 10 + 0.5 * (p["origin"] != "dansk") + 1.5 * w / 52 + 2.5 * b + 0.4 * cash
        return _logistic(x)


def _take(p, idx):
    return {k: v[idx] for k, v in p.items()}


def _chunk_tables(pop, keys, p, on_benefit, codes, monthly):
    n = len(keys)
    keys = np.asarray(keys, dtype=object)
    persons = pa.table(
        {
            "person_key": pa.array(keys, pa.string()),
            "birth_year": pa.array(p["birth_year"], pa.int16()),
            "sex": pa.array(p["sex"], pa.string()),
            "origin": pa.array(p["origin"], pa.string()),
            "municipality_code": pa.array(p["municipality_code"], pa.string()),
        }
    )
    codes = np.where(on_benefit, codes, None)
    # Self-sufficient weeks of students are education weeks (an SU code, still self-sufficient).
    education = ~on_benefit & p["_student"][:, None] & (pop.education_code is not None)
    i, t = np.nonzero(on_benefit | education)
    code = np.where(education[i, t], pop.education_code, codes[i, t])
    status = pa.table(
        {
            "person_key": pa.array(keys[i], pa.string()),
            "week": pa.array(pop.week_codes[t], pa.int32()),
            "benefit_code": pa.array(code.astype(str), pa.string()),
        }
    )
    mi, mt = np.nonzero(monthly > 0)
    hours = pa.table(
        {
            "person_key": pa.array(keys[mi], pa.string()),
            "month": pa.array(pop.month_labels[mt], pa.string()),
            "paid_hours": pa.array(monthly[mi, mt], pa.float64()),
        }
    )
    assert persons.num_rows == n
    return persons, status, hours


def _truth(pop, keys, start, y0, y1):
    """Individual effects per outcome and horizon (with minus without), for horizons inside the panel."""
    (b0, _c0, m0), (b1, _c1, m1) = y0, y1
    rows = np.arange(len(start))
    zero = np.zeros((len(start), 1))
    # cum[:, t] = self-sufficient weeks before week t
    cum0 = np.concatenate([zero, np.cumsum(~b0, axis=1)], axis=1)
    cum1 = np.concatenate([zero, np.cumsum(~b1, axis=1)], axis=1)
    frames = []
    for h in HORIZONS:
        t = start + h
        ok = t < pop.weeks
        r, tt = rows[ok], t[ok]
        month = pop.month_index[tt]
        ss = (~b1[r, tt]).astype(float) - (~b0[r, tt]).astype(float)
        hours1, hours0 = m1[r, month], m0[r, month]
        cum = (cum1[r, tt + 1] - cum1[r, start[ok] + 1]) - (cum0[r, tt + 1] - cum0[r, start[ok] + 1])
        for outcome, effect in (
            ("self_sufficient", ss),
            ("ordinary_hours", (hours1 > 0).astype(float) - (hours0 > 0).astype(float)),
            ("paid_hours_per_week", (hours1 - hours0) * 12 / 52),
            ("cumulative_self_sufficient_weeks", cum),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "person_key": np.asarray(keys, dtype=object)[r],
                        "outcome": outcome,
                        "horizon": h,
                        "effect": effect,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _participants_chunk(pop, seed, chunk_no, part):
    """Simulate persons for the participants of `part` (start index, treated), accepted by the participation model."""
    rng = np.random.Generator(np.random.PCG64([seed, PARTICIPANT_STREAM, chunk_no]))
    n = len(part)
    start_all = part["_start"].to_numpy()
    treated_all = part["_treated"].to_numpy()
    filled = np.zeros(n, dtype=bool)
    p = draws = None
    for _round in range(200):
        todo = np.flatnonzero(~filled)
        if not len(todo):
            break
        # Several candidates per open slot; a slot takes its first accepted candidate.
        slots = np.repeat(todo, 4)
        cp = pop.persons(rng, len(slots))
        cd = pop.paths(rng, cp)
        b, codes, _m = pop.outcomes(cp, cd)
        accept = np.flatnonzero(rng.random(len(slots)) < pop.participation(cp, b, codes, start_all[slots]))
        got, first = np.unique(slots[accept], return_index=True)
        cand = accept[first]
        if p is None:
            p = {k: np.empty((n, *v.shape[1:]), dtype=v.dtype) for k, v in cp.items()}
            draws = {k: np.empty((n, *v.shape[1:]), dtype=v.dtype) for k, v in cd.items()}
        for k in p:
            p[k][got] = cp[k][cand]
        for k in draws:
            draws[k][got] = cd[k][cand]
        filled[got] = True
    else:
        raise RuntimeError("participants could not be drawn")
    everyone = np.ones(n, dtype=bool)
    y0 = pop.outcomes(p, draws)
    y1 = pop.outcomes(p, draws, pop.shift(start_all, everyone), start_all, everyone)
    observed = pop.outcomes(p, draws, pop.shift(start_all, treated_all), start_all, treated_all)
    return p, observed, _truth(pop, part["person_key"].to_numpy(), start_all, y0, y1)


def write_delivery(
    directory,
    participants,
    *,
    pool,
    first_week,
    weeks=260,
    seed=0,
    effect=Effect(),
    codes=None,
    chunk_persons=20_000,
    pool_key_prefix="Q",
    compression="zstd",
):
    """Write persons/status/hours delivery Parquet files for the participants and `pool` comparison persons.

    participants: a DataFrame as make_participants returns (person_key, arm, start_week, ...). Returns a
    SyntheticDelivery with the paths, the participants and the individual planted effects."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    codes = default_codes() if codes is None else codes
    pop = _Population(first_week=first_week, weeks=weeks, codes=codes, effect=effect)
    part = participants.copy()
    part["_start"] = [(d - first_week).days // 7 for d in pd.to_datetime(part["start_week"]).dt.date]
    if (part["_start"] < 0).any() or (part["_start"] >= weeks).any():
        raise ValueError("a participant starts outside the panel")
    part["_treated"] = part["arm"].eq("programme")
    paths = {kind: directory / f"{kind}.parquet" for kind in ("persons", "status", "hours")}
    writers = {}
    rows = {"persons": 0, "status": 0, "hours": 0}
    truths = []

    def write(tables):
        for kind, table in zip(("persons", "status", "hours"), tables, strict=True):
            if kind not in writers:
                writers[kind] = pq.ParquetWriter(paths[kind], table.schema, compression=compression)
            writers[kind].write_table(table, row_group_size=1_000_000)
            rows[kind] += table.num_rows

    try:
        for chunk_no, lo in enumerate(range(0, len(part), chunk_persons)):
            chunk = part.iloc[lo : lo + chunk_persons]
            p, (b, c, m), truth = _participants_chunk(pop, seed, chunk_no, chunk)
            truths.append(truth)
            write(_chunk_tables(pop, chunk["person_key"].to_numpy(), p, b, c, m))
        for chunk_no, lo in enumerate(range(0, pool, chunk_persons)):
            n = min(chunk_persons, pool - lo)
            rng = np.random.Generator(np.random.PCG64([seed, POOL_STREAM, chunk_no]))
            p = pop.persons(rng, n)
            draws = pop.paths(rng, p)
            b, c, m = pop.outcomes(p, draws)
            keys = [f"{pool_key_prefix}{i:09d}" for i in range(lo + 1, lo + n + 1)]
            write(_chunk_tables(pop, keys, p, b, c, m))
    finally:
        for w in writers.values():
            w.close()
    truth = (
        pd.concat(truths, ignore_index=True)
        if truths
        else pd.DataFrame(columns=["person_key", "outcome", "horizon", "effect"])
    )
    return SyntheticDelivery(
        directory=directory,
        persons=paths["persons"],
        status=paths["status"],
        hours=paths["hours"],
        participants=participants,
        truth=truth,
        rows=rows,
    )
