"""The effect analysis (jobbro/effect/analysis.py) through the real import (panels.import_delivery, panels.connect).

A hand-computed lottery panel checked cell by cell; the ITT against statsmodels' OLS with HC1; disclosure control
(primary and secondary); the planted effect recovered over 20 seeds by the lottery ITT and by the matched
difference-in-differences, with the naive comparison missing it; balance after matching; properties (no cell under
5 persons, shares within [0, 1]).
"""

import datetime
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.effect import analysis, panels, synthetic

CODES = {
    "111": "unemployment_benefit",
    "651": "education",
    "783": "pension",
    "890": "sickness",
    "KH": "cash_benefit",
    "LT": "ordinary_job_with_supplement",
}
MONDAY = datetime.date(2024, 1, 1)  # ISO week 2024-01


def week(i):
    """The Monday of panel week i (0 = 2024-01-01)."""
    return MONDAY + datetime.timedelta(weeks=i)


def yyyyww(i):
    y, w, _ = week(i).isocalendar()
    return y * 100 + w


def register(directory, persons, status, hours):
    """Import the three deliveries (lists of dicts) and connect to the panels. An empty hours delivery gets one row
    in December 2024, after every test panel's weeks (the import refuses an empty file)."""
    directory = Path(directory)
    hours = hours or [{"person_key": persons[0]["person_key"], "month": "2024-12", "paid_hours": 1.0}]
    (directory / "in").mkdir(parents=True, exist_ok=True)
    frames = {
        "persons": pd.DataFrame(persons, columns=["person_key", "birth_year", "sex", "origin", "municipality_code"]),
        "status": pd.DataFrame(status, columns=["person_key", "week", "benefit_code"]),
        "hours": pd.DataFrame(hours, columns=["person_key", "month", "paid_hours"]),
    }
    frames["persons"]["birth_year"] = frames["persons"]["birth_year"].astype("int16")
    frames["status"]["week"] = frames["status"]["week"].astype("int32")
    frames["hours"]["paid_hours"] = frames["hours"]["paid_hours"].astype(float)
    for kind, frame in frames.items():
        path = directory / "in" / f"{kind}.parquet"
        frame.to_parquet(path, index=False)
        panels.import_delivery(directory / "reg", kind, path, known_codes=set(CODES))
    return panels.connect(directory / "reg")


def person(key, year=1990, sex="M", origin="dansk"):
    return {"person_key": key, "birth_year": year, "sex": sex, "origin": origin, "municipality_code": "101"}


def lottery_rows(keys_arms, start=9, site="A", groups=()):
    return [
        {"person_key": k, "arm": arm, "start_week": week(start), "site": site, "target_groups": list(groups)}
        for k, arm in keys_arms
    ]


# --- (a) a hand-computed panel -------------------------------------------------------------------------------------


@pytest.fixture
def hand_panel(tmp_path):
    """Five programme (P1..P5) and five control persons (C1..C5), all starting in panel week 9 (2024-03-04).

    A filler person Z (not a participant) is on benefit in weeks 0..29, so the panel runs 2024-01-01 .. 2024-07-22.
    Relative weeks 1..13 are panel weeks 10..22 (week 13 = 2024-06-03, in June).
      P1..P3 on benefit (111) in relative weeks 1..6, then self-sufficient:   week 13: 1; weeks 1..13: 7
      P4     on benefit (890) in relative weeks 1..13:                          week 13: 0; weeks 1..13: 0
      P5     SU (651) in relative weeks 1..13 (self-sufficient):                week 13: 1; weeks 1..13: 13
      C1     on benefit (KH) in relative weeks 1..12, not in week 13:           week 13: 1; weeks 1..13: 1
      C2..C5 on benefit (KH) in relative weeks 1..13:                           week 13: 0; weeks 1..13: 0
    Everyone is on benefit (KH) in relative weeks -9..0 (panel weeks 0..9). P1 has 160 paid hours in June 2024.
    """
    persons = [person(k) for k in ("P1", "P2", "P3", "P4", "P5", "C1", "C2", "C3", "C4", "C5", "Z")]
    status = [{"person_key": "Z", "week": yyyyww(i), "benefit_code": "111"} for i in range(30)]
    for k in ("P1", "P2", "P3", "P4", "P5", "C1", "C2", "C3", "C4", "C5"):
        status += [{"person_key": k, "week": yyyyww(i), "benefit_code": "KH"} for i in range(10)]
    for k in ("P1", "P2", "P3"):
        status += [{"person_key": k, "week": yyyyww(9 + r), "benefit_code": "111"} for r in range(1, 7)]
    status += [{"person_key": "P4", "week": yyyyww(9 + r), "benefit_code": "890"} for r in range(1, 14)]
    status += [{"person_key": "P5", "week": yyyyww(9 + r), "benefit_code": "651"} for r in range(1, 14)]
    status += [{"person_key": "C1", "week": yyyyww(9 + r), "benefit_code": "KH"} for r in range(1, 13)]
    for k in ("C2", "C3", "C4", "C5"):
        status += [{"person_key": k, "week": yyyyww(9 + r), "benefit_code": "KH"} for r in range(1, 14)]
    hours = [{"person_key": "P1", "month": "2024-06", "paid_hours": 160.0}]
    con = register(tmp_path, persons, status, hours)
    participants = pd.DataFrame(
        lottery_rows([(f"P{i}", "programme") for i in range(1, 6)] + [(f"C{i}", "control") for i in range(1, 6)])
    )
    yield con, participants
    con.close()


def by(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_hand_panel_itt_cumulative_weeks_and_hours_cell_by_cell(hand_panel):
    con, participants = hand_panel
    result = analysis.analyse(con, participants, design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES)
    assert result.method == "lottery"
    assert result.last_week == "2024-07-22"
    assert result.counts == {"participants": 10, "without_register_data": None, "programme": 5, "control": 5}
    # Self-sufficient in week 13: programme 1,1,1,0,1 (mean 0.8), control 1,0,0,0,0 (mean 0.2).
    e = by(result.estimates, outcome="self_sufficient", horizon=13)
    assert e["programme_mean"] == pytest.approx(0.8)
    assert e["comparison_mean"] == pytest.approx(0.2)
    assert e["difference"] == pytest.approx(0.6)
    # HC1: n/(n-2) × (Σ(y-ȳ)²/n² per arm) = 10/8 × (0.8/25 + 0.8/25) = 0.08.
    assert e["std_error"] == pytest.approx(math.sqrt(0.08))
    assert e["ci_low"] == pytest.approx(0.6 - 1.959963984540054 * math.sqrt(0.08))
    assert (e["n_programme"], e["n_comparison"]) == (5, 5)
    # Cumulative weeks self-sufficient in weeks 1..13: programme 7,7,7,0,13 (6.8); control 1,0,0,0,0 (0.2).
    c = by(result.estimates, outcome="cumulative_self_sufficient_weeks", horizon=13)
    assert (c["programme_mean"], c["comparison_mean"], c["difference"]) == pytest.approx((6.8, 0.2, 6.6))
    # Hours: P1 worked 160 hours in June 2024, the month of week 13.
    h = by(result.estimates, outcome="ordinary_hours", horizon=13)
    assert (h["programme_mean"], h["comparison_mean"]) == pytest.approx((0.2, 0.0))
    p = by(result.estimates, outcome="paid_hours_per_week", horizon=13)
    assert p["programme_mean"] == pytest.approx(160 * 12 / 52 / 5)
    # Week 26 is after the panel's last week: no estimate at 26, 52 or 104.
    assert {e["horizon"] for e in result.estimates} == {13}
    assert result.naive == [] and result.pre_trend is None


def test_hand_panel_curves_with_bands(hand_panel):
    con, participants = hand_panel
    result = analysis.analyse(con, participants, design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES)
    ss = [c for c in result.curves if c["outcome"] == "self_sufficient"]
    # The panel's weeks relative to the start: -9 .. 20.
    assert {c["week"] for c in ss} == set(range(-9, 21))
    at13 = by(ss, week=13, group="programme")
    assert (at13["n"], at13["mean"]) == (5, pytest.approx(0.8))
    # Band: se = sqrt(Σ(y-ȳ)² × n/(n-1)) / n = sqrt(0.8 × 5/4) / 5 = 0.2; 0.8 ± 1.96 × 0.2, clipped to [0, 1].
    assert at13["low"] == pytest.approx(0.8 - 1.959963984540054 * 0.2)
    assert at13["high"] == 1.0
    control = by(ss, week=13, group="comparison")
    assert control["mean"] == pytest.approx(0.2)
    # Week 7: P1..P3 self-sufficient, P4 on benefit, P5 in SU: 0.8; controls all on benefit: 0, band [0, 0].
    assert by(ss, week=7, group="programme")["mean"] == pytest.approx(0.8)
    assert by(ss, week=7, group="comparison") == {
        "outcome": "self_sufficient",
        "week": 7,
        "group": "comparison",
        "n": 5,
        "mean": 0.0,
        "low": 0.0,
        "high": 0.0,
    }
    # Before the start everyone is on benefit.
    assert by(ss, week=-3, group="programme")["mean"] == 0.0


def test_weeks_after_as_of_are_not_used(hand_panel):
    con, participants = hand_panel
    result = analysis.analyse(con, participants, design="lottery", as_of=datetime.date(2024, 5, 1), codes=CODES)
    assert result.last_week == "2024-04-29"
    assert result.estimates == []  # week 13 (2024-06-03) is after as_of
    assert max(c["week"] for c in result.curves) == 17 - 9


def test_result_round_trips_through_json(hand_panel):
    import json

    con, participants = hand_panel
    result = analysis.analyse(con, participants, design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES)
    text = json.dumps(result.to_json())
    again = analysis.Result.from_json(text)
    assert again == result
    assert analysis.Result.from_json(json.loads(text)) == result


def test_participants_without_register_data_are_counted_and_left_out(hand_panel):
    con, participants = hand_panel
    extra = pd.DataFrame(lottery_rows([(f"X{i}", "programme") for i in range(6)]))
    result = analysis.analyse(
        con, pd.concat([participants, extra]), design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES
    )
    assert result.counts["without_register_data"] == 6
    assert result.counts["programme"] == 5
    assert by(result.estimates, outcome="self_sufficient", horizon=13)["n_programme"] == 5


# --- disclosure control --------------------------------------------------------------------------------------------


def test_fewer_than_five_in_an_arm_suppresses_estimates_curves_and_counts(tmp_path):
    keys = [(f"P{i}", "programme") for i in range(6)] + [(f"C{i}", "control") for i in range(4)]
    persons = [person(k) for k, _ in keys]
    status = [{"person_key": k, "week": yyyyww(i), "benefit_code": "KH"} for k, _ in keys for i in range(0, 30, 2)]
    con = register(tmp_path, persons, status, [])
    result = analysis.analyse(
        con, pd.DataFrame(lottery_rows(keys)), design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES
    )
    con.close()
    assert result.estimates == [] and result.curves == [] and result.subgroups == []
    assert result.counts["control"] is None and result.counts["programme"] == 6
    assert result.suppressed > 0


def test_secondary_suppression_drops_the_next_smallest_subgroup(tmp_path):
    """Sites A (6 + 6), B (7 + 7), C (2 + 2): C is under 5, and A, the next smallest, goes too; only B is shown.
    Target groups: g1 (everyone), g2 (3 + 3 persons): g2 is dropped and so is g1, the only other group."""
    rows, persons, status = [], [], []
    for site, n in (("A", 6), ("B", 7), ("C", 2)):
        for arm in ("programme", "control"):
            for i in range(n):
                key = f"{site}{arm[0]}{i}"
                groups = ["g1", "g2"] if i < 3 and site == "B" else ["g1"]
                rows += lottery_rows([(key, arm)], site=site, groups=groups)
                persons.append(person(key))
                status += [
                    {"person_key": key, "week": yyyyww(w), "benefit_code": "KH"}
                    for w in range(30)
                    if arm == "control" or w < 12 + i
                ]
    con = register(tmp_path, persons, status, [])
    result = analysis.analyse(con, pd.DataFrame(rows), design="lottery", as_of=datetime.date(2024, 12, 31), codes=CODES)
    con.close()
    shown = {(g["dimension"], g["key"]) for g in result.subgroups}
    assert shown == {("site", "B")}
    # The overall estimate is shown (15 + 15 persons); 4 outcomes at horizon 13, per dimension two subgroups dropped.
    assert len(result.estimates) == 4
    assert result.suppressed >= 4 * 2 + 4 * 2
    for g in result.subgroups:
        for e in g["estimates"]:
            assert min(e["n_programme"], e["n_comparison"]) >= 5


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), min_size=1, max_size=4),
    on_benefit=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_no_cell_under_five_persons_and_shares_within_0_and_1(sizes, on_benefit):
    rows, persons, status = [], [], []
    sites = []
    for s, (n_p, n_c) in enumerate(sizes):
        sites.append(str(s))
        for arm, n in (("programme", n_p), ("control", n_c)):
            for i in range(n):
                key = f"S{s}{arm[0]}{i}"
                rows += lottery_rows([(key, arm)], site=str(s), groups=[f"g{i % 3}"])
                persons.append(person(key, year=1960 + i))
                status += [
                    {"person_key": key, "week": yyyyww(w), "benefit_code": "KH"}
                    for w in range(30)
                    if on_benefit[(w + 7 * i + s) % 40]
                ]
    persons.append(person("Z"))
    status += [{"person_key": "Z", "week": yyyyww(w), "benefit_code": "111"} for w in range(30)]
    with tempfile.TemporaryDirectory() as tmp:
        con = register(tmp, persons, status, [])
        result = analysis.analyse(
            con,
            pd.DataFrame(rows, columns=["person_key", "arm", "start_week", "site", "target_groups"]),
            design="lottery",
            as_of=datetime.date(2024, 12, 31),
            codes=CODES,
        )
        con.close()
    for value in result.counts.values():
        assert value is None or value >= 5
    for c in result.curves:
        assert c["n"] >= 5
        if c["outcome"] != "paid_hours_per_week":
            assert 0 <= c["low"] <= c["mean"] <= c["high"] <= 1
    for e in result.estimates + [e for g in result.subgroups for e in g["estimates"]]:
        assert min(e["n_programme"], e["n_comparison"]) >= 5
        if e["outcome"] in ("self_sufficient", "ordinary_hours"):
            assert 0 <= e["programme_mean"] <= 1 and 0 <= e["comparison_mean"] <= 1
    # Secondary suppression: a breakdown never lacks exactly one of the sites that have participants.
    for outcome in analysis.OUTCOMES:
        for horizon in analysis.HORIZONS:
            shown = {
                g["key"]
                for g in result.subgroups
                if g["dimension"] == "site"
                and any(e["outcome"] == outcome and e["horizon"] == horizon for e in g["estimates"])
            }
            if shown:
                assert len(set(sites) - shown) != 1


# --- (b) the lottery ITT equals statsmodels' OLS with HC1 ----------------------------------------------------------


def test_lottery_itt_equals_statsmodels_ols_hc1(tmp_path):
    first = datetime.date(2020, 1, 6)
    parts = synthetic.make_participants(
        300, first_week=first, weeks=130, design="lottery", seed=3, start_from=60, start_until=100
    )
    d = synthetic.write_delivery(tmp_path / "d", parts, pool=0, first_week=first, weeks=130, seed=3, codes=CODES)
    for kind in panels.KINDS:
        panels.import_delivery(tmp_path / "reg", kind, getattr(d, kind), known_codes=set(CODES))
    con = panels.connect(tmp_path / "reg")
    result = analysis.analyse(con, parts, design="lottery", as_of=datetime.date(2030, 1, 1), codes=CODES)
    con.close()
    # The outcomes computed here, person by person, from the delivery file.
    status = pd.read_parquet(d.status)
    on_benefit = {
        (k, w) for k, w, c in status.itertuples(index=False) if CODES[c] not in ("education", "self_sufficient")
    }
    last = max(status.week)

    def code(day):
        y, w, _ = day.isocalendar()
        return y * 100 + w

    checked = 0
    for outcome, horizon in (("self_sufficient", 26), ("cumulative_self_sufficient_weeks", 13)):
        y, x = [], []
        for p in parts.itertuples(index=False):
            start = p.start_week
            weeks = [start + datetime.timedelta(weeks=r) for r in range(1, horizon + 1)]
            if code(weeks[-1]) > last:
                continue
            if outcome == "self_sufficient":
                value = 0.0 if (p.person_key, code(weeks[-1])) in on_benefit else 1.0
            else:
                value = float(sum((p.person_key, code(w)) not in on_benefit for w in weeks))
            y.append(value)
            x.append(1.0 if p.arm == "programme" else 0.0)
        fit = sm.OLS(np.array(y), sm.add_constant(np.array(x))).fit(cov_type="HC1")
        e = by(result.estimates, outcome=outcome, horizon=horizon)
        assert e["difference"] == pytest.approx(fit.params[1], abs=1e-9)
        assert e["std_error"] == pytest.approx(fit.bse[1], abs=1e-9)
        assert e["p_value"] == pytest.approx(fit.pvalues[1], abs=1e-9)
        assert (e["ci_low"], e["ci_high"]) == pytest.approx(tuple(fit.conf_int()[1]), abs=1e-9)
        assert e["n_programme"] + e["n_comparison"] == len(y)
        checked += 1
    assert checked == 2


# --- (c) the planted effect recovered over 20 seeds ----------------------------------------------------------------

SEEDS = range(20)
FIRST = datetime.date(2020, 1, 6)
WEEKS = 130


def _import(tmp, d):
    for kind in panels.KINDS:
        panels.import_delivery(Path(tmp) / "reg", kind, getattr(d, kind), known_codes=set(CODES))
    return panels.connect(Path(tmp) / "reg")


def _covers(e, truth):
    return e["ci_low"] <= truth <= e["ci_high"]


def test_matched_did_recovers_the_planted_effect_and_the_naive_comparison_does_not():
    covered = naive_missed = 0
    trend_ok = 0
    for seed in SEEDS:
        parts = synthetic.make_participants(
            300, first_week=FIRST, weeks=WEEKS, seed=seed, start_from=60, start_until=77
        )
        with tempfile.TemporaryDirectory() as tmp:
            d = synthetic.write_delivery(tmp, parts, pool=3000, first_week=FIRST, weeks=WEEKS, seed=seed, codes=CODES)
            con = _import(tmp, d)
            result = analysis.analyse(
                con, parts, design="register_comparison", as_of=datetime.date(2030, 1, 1), codes=CODES, seed=seed
            )
            con.close()
        truth = d.true_effect("self_sufficient", 52)
        e = by(result.estimates, outcome="self_sufficient", horizon=52)
        covered += _covers(e, truth)
        naive_missed += not _covers(by(result.naive, outcome="self_sufficient", horizon=52), truth)
        trend_ok += abs(result.pre_trend["difference_per_year"]) < 1.96 * result.pre_trend["std_error"]
    print(f"matched DiD covers {covered}/20, naive misses {naive_missed}/20, pre-trend within 95 % {trend_ok}/20")
    assert covered >= 19
    assert naive_missed >= 18
    assert trend_ok >= 17


def test_lottery_itt_recovers_the_planted_effect():
    covered = 0
    for seed in SEEDS:
        parts = synthetic.make_participants(
            400, first_week=FIRST, weeks=WEEKS, design="lottery", seed=seed, start_from=60, start_until=77
        )
        with tempfile.TemporaryDirectory() as tmp:
            d = synthetic.write_delivery(tmp, parts, pool=0, first_week=FIRST, weeks=WEEKS, seed=seed, codes=CODES)
            con = _import(tmp, d)
            result = analysis.analyse(con, parts, design="lottery", as_of=datetime.date(2030, 1, 1), codes=CODES)
            con.close()
        truth = d.true_effect("self_sufficient", 52)
        covered += _covers(by(result.estimates, outcome="self_sufficient", horizon=52), truth)
    print(f"lottery ITT covers {covered}/20")
    assert covered >= 19


# --- (d) balance after matching ------------------------------------------------------------------------------------


def test_balance_after_matching_is_below_0_1_on_the_planted_data(tmp_path):
    parts = synthetic.make_participants(1000, first_week=FIRST, weeks=WEEKS, seed=11, start_from=60, start_until=77)
    d = synthetic.write_delivery(tmp_path, parts, pool=15000, first_week=FIRST, weeks=WEEKS, seed=11, codes=CODES)
    con = _import(tmp_path, d)
    result = analysis.analyse(con, parts, design="register_comparison", as_of=datetime.date(2030, 1, 1), codes=CODES)
    con.close()
    smd = {b["covariate"]: b for b in result.balance}
    # The selection is visible before matching and gone after it.
    assert smd["weeks_year1"]["smd_before"] > 0.3
    assert smd["age"]["smd_before"] > 0.1
    assert all(abs(b["smd_after"]) < 0.1 for b in result.balance), result.balance
    assert result.counts["matched"] >= 950
    assert result.counts["pool"] == 15000


# --- the matched DiD's standard error is statsmodels' person-clustered OLS over the pairs ---------------------------


def test_pair_estimate_equals_statsmodels_ols_clustered_by_person():
    """Rows as the matched comparison builds them: one per participant (grp t) and one per pair for its match
    (grp c), a match used by several participants repeated; the estimate and standard error are those of OLS
    `y ~ 1 + programme` over these rows with standard errors clustered by person."""
    import duckdb

    rng = np.random.default_rng(4)
    n_t = 60
    matches = rng.integers(0, 35, size=n_t)  # 35 pool persons, several used more than once
    y_t = rng.normal(1.0, 1.0, size=n_t)
    y_pool = rng.normal(0.3, 1.5, size=35)
    rows = [("all", "all", "o", 13, "t", f"T{i}", 1.0, float(y)) for i, y in enumerate(y_t)]
    rows += [("all", "all", "o", 13, "c", f"Q{m}", 1.0, float(y_pool[m])) for m in matches]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE obs (dim VARCHAR, key VARCHAR, outcome VARCHAR, horizon INTEGER, grp VARCHAR, person_key VARCHAR, "
        "w DOUBLE, y DOUBLE)"
    )
    con.executemany("INSERT INTO obs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    (e,) = analysis._estimate_table(con, "obs")
    y = np.array([r[7] for r in rows])
    d = np.array([1.0 if r[4] == "t" else 0.0 for r in rows])
    groups = pd.factorize(pd.Series([r[5] for r in rows]))[0]
    fit = sm.OLS(y, sm.add_constant(d)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert e["difference"] == pytest.approx(fit.params[1], abs=1e-9)
    assert e["std_error"] == pytest.approx(fit.bse[1], abs=1e-9)
    assert (e["n_programme"], e["n_comparison"]) == (60, len(set(matches)))


def test_register_comparison_with_nobody_started_by_the_date_has_no_estimates(tmp_path):
    parts = synthetic.make_participants(30, first_week=FIRST, weeks=WEEKS, seed=2, start_from=100, start_until=110)
    d = synthetic.write_delivery(tmp_path, parts, pool=200, first_week=FIRST, weeks=WEEKS, seed=2, codes=CODES)
    con = _import(tmp_path, d)
    as_of = FIRST + datetime.timedelta(weeks=90)  # every start is later
    result = analysis.analyse(con, parts, design="register_comparison", as_of=as_of, codes=CODES)
    con.close()
    assert result.estimates == [] and result.curves == [] and result.naive == [] and result.balance == []
    assert result.counts["programme"] == 30 and result.counts["matched"] is None
    assert result.last_week == (FIRST + datetime.timedelta(weeks=90)).isoformat()
