"""The effect analysis: outcome curves, the lottery's intention-to-treat estimates and the matched register comparison.

`analyse(con, participants, *, design, as_of, codes, seed=0) -> Result` (pure: no Django models). `con` is a DuckDB
connection with the views persons, status and hours (jobbro/effect/panels.py, `connect`); every heavy step is a SQL
query over them, with the aggregates computed in the database; Python fits the propensity logit (statsmodels) on a
sample and turns a handful of sums into estimates.

Definitions (docs/effect.md, "The analysis: definitions, methods and assumptions", says the same for readers):

- **Weeks.** A week is an ISO week, named by its Monday. The panel runs from the first week in the status panel to
  `last_week`: the last week in the status panel whose Monday is on or before `as_of` (weeks after `as_of` are not
  used). A person's week 0 is the start week (a participant's referral week; for a comparison person the reference
  week of the start cohort, below); week k is k weeks later.
- **Self-sufficient** in a week: no benefit registered that week, or only education/SU (categories in
  SELF_SUFFICIENT); a week with any other benefit code is a week on benefit. Codes not in `codes` count as "other"
  (on benefit).
- **Ordinary hours** in a week: the month of the week's Monday has paid hours > 0. **Paid hours per week**: that
  month's paid hours × 12 / 52. A month without a row has no paid hours; months after the last month of the hours
  panel are not used.
- **Cumulative weeks self-sufficient** at horizon k: the number of self-sufficient weeks among weeks 1..k.
- An outcome at horizon h (13, 26, 52, 104 weeks) is the outcome in week h (the cumulative one: weeks 1..h). A
  person whose week h lies after `last_week` is left out of that horizon; each estimate carries its own n.

Lottery (intention to treat). The programme arm against the control arm as drawn, whatever happened after the draw
(non-attendance in the programme arm, the usual services in the control arm): the estimate is the effect of being
*offered* the programme (ITT), not of taking part (the effect of treatment on the treated would need the take-up,
with the draw as instrument; not done here). Estimate: the difference in means at the horizon; standard error
heteroskedasticity-robust (HC1), exactly statsmodels' OLS `y ~ 1 + programme` with `cov_type="HC1"`; the 95 %
interval and p-value from the normal distribution, as statsmodels does for robust covariances. The draw makes the
arms comparable in expectation; the remaining assumption is SUTVA (a control's outcome does not depend on who else
was drawn: no displacement of controls by participants in the same local labour market, no spill-over of the
programme to the control group).

Register comparison (matched difference-in-differences). Effect of treatment on the treated (ATT: the effect on the
participants who were matched, not on citizens in general).

1. *Start cohorts*: participants are grouped by the quarter of their start week; the cohort's reference week is the
   median start week of its participants. The *comparison pool* is every person in the persons panel who is not a
   participant (no project key of a participant); each pool person is a candidate in every cohort, measured at the
   cohort's reference week (a *pool unit*).
2. *Covariates at the start (week 0)*: age (calendar year of week 0 minus birth year), sex, origin, the category in
   week 0, weeks on benefit in each of the three years before (weeks -52..-1, -104..-53, -156..-105; weeks before
   the panel count as not on benefit), municipality. Categories or municipalities with fewer than MIN_LEVEL
   participants are pooled into one level; pool units in a week-0 category no participant has are outside the
   common support and never matched.
3. *Propensity score*: a logit of participation on the covariates and cohort indicators, fitted (statsmodels) on
   all participants and a random sample of pool units (at most POOL_SAMPLE_PER_PARTICIPANT per participant). Sampling
   the pool on participation (case-control sampling) shifts only the intercept of a logit, not its slopes; the
   match uses the linear predictor (the logit), within cohorts, with a caliper in standard-deviation units, neither
   of which an intercept shift changes. The score is computed for every pool unit in SQL.
4. *Matching*: each participant's nearest pool unit on the logit within the cohort (two ASOF joins, below and
   above), with replacement (a pool unit may be the match of several participants; it then carries that many
   weights), if within the caliper of 0.2 standard deviations of the logit (pooled SD of participants and pool
   units). Participants without a match within the caliper are "unmatched" and left out of the comparison.
5. *Balance*: for each covariate the standardised mean difference (participants minus pool, divided by the square
   root of the mean of the two variances) before matching and after (matched participants minus their weighted
   matches, same denominator). Target: |SMD| < 0.1 after.
6. *Difference-in-differences*: for each participant and match the change from the pre-period (the mean of the
   weekly outcome over weeks -52..-1) to the outcome at the horizon (cumulative weeks: weeks 1..k minus k times the
   pre-period share). The estimate is the mean change of matched participants minus the weighted mean change of their
   matches, over pairs where both reach the horizon. Standard error: the person-level regression `change ~ 1 +
   programme` over the pairs (a match counted once per pair) with standard errors clustered by person, so a match
   used for several participants counts as one person (statsmodels' `cov_type="cluster"` with its small-sample
   correction). The variance of the estimated propensity score is ignored (usual; slightly conservative for
   matching on the score per Abadie and Imbens, 2016, though not guaranteed for the ATT).
7. *Pre-trend*: for each matched person the slope of weekly self-sufficiency over weeks -104..-1 (per year); the
   difference between participants and matches with the same standard error. Parallel trends before the start
   make the assumption after it believable; they do not prove it.
8. *Naive comparison* (for contrast only): participants against the whole pool at the cohorts' reference weeks
   (weighted by the cohorts' numbers of participants), without matching or differencing. Its gap from the matched
   estimate shows how much selection there is.

Assumptions of the register comparison: *selection on observables* (given the covariates, taking part is unrelated
to what would have happened without the programme; nothing unobserved, such as motivation or a caseworker's
judgement, drives both); *parallel trends* (without the programme, matched participants' outcomes would have moved
like their matches' from the pre-period on; the differencing removes fixed differences in levels); *common support*
(participants have comparable pool units; those without one are left out, which changes the population the ATT is
about); *SUTVA* (no spill-over to the pool, one version of the programme); and the pool must not contain persons
treated by the programme (the pool excludes participants' keys; the programme's own citizens without a project key
could be in it).

Subgroups: the same estimates by site and by target group (a citizen in several target groups counts in each).

Statistical disclosure control, inside analyse(): a curve point, estimate or subgroup estimate with fewer than 5
persons in either group is dropped and counted in `suppressed`; in a breakdown (a dimension, an outcome and a
horizon) where exactly one subgroup is dropped, the next smallest is dropped too; counts under 5 become null; the
balance table and the pre-trend are dropped when fewer than 5 persons are behind either side.
"""

import dataclasses
import datetime
import math
import time
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import statsmodels.api as sm
from scipy import stats

from jobbro.effect.categories import EVERY_OTHER_CODE, SELF_SUFFICIENT

HORIZONS = (13, 26, 52, 104)
OUTCOMES = ("self_sufficient", "ordinary_hours", "paid_hours_per_week", "cumulative_self_sufficient_weeks")
CURVE_OUTCOMES = OUTCOMES[:3]
CURVE_WEEKS = (-104, 104)
PRE_WEEKS = 52  # the pre-period of the difference-in-differences: weeks -52..-1
TREND_WEEKS = 104  # the pre-trend: weeks -104..-1
SMALLEST = 5  # disclosure control: no cell with fewer persons
CALIPER_SD = 0.2
MIN_LEVEL = 10  # categories and municipalities with fewer participants are pooled into one level
POOL_SAMPLE_PER_PARTICIPANT = 5
Z = float(stats.norm.ppf(0.975))
BALANCE_COVARIATES = (
    "age",
    "female",
    "origin_indvandrer",
    "origin_efterkommer",
    "weeks_year1",
    "weeks_year2",
    "weeks_year3",
)


@dataclasses.dataclass
class Result:
    method: str
    as_of: str
    last_week: str | None
    counts: dict
    curves: list
    estimates: list
    naive: list
    balance: list
    pre_trend: dict | None
    subgroups: list
    suppressed: int

    def to_json(self) -> dict:
        """Plain JSON types (a dict); json.dumps it to store or send it."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        if isinstance(data, str):
            import json

            data = json.loads(data)
        return cls(**{f.name: data.get(f.name) for f in dataclasses.fields(cls)})


# --- input ---------------------------------------------------------------------------------------------------------


def _participants_table(participants):
    df = participants.to_pandas() if isinstance(participants, pa.Table) else pd.DataFrame(participants).copy()
    for column in ("person_key", "arm", "start_week", "site", "target_groups"):
        if column not in df.columns:
            raise ValueError(f"participants lack the column {column}")
    df = df.drop_duplicates("person_key", keep="first").reset_index(drop=True)
    start = pd.to_datetime(df["start_week"]).dt.date
    return pa.table(
        {
            "unit": pa.array(np.arange(len(df), dtype=np.int64)),
            "person_key": pa.array(df["person_key"].astype(str).tolist(), pa.string()),
            "arm": pa.array(df["arm"].astype(str).tolist(), pa.string()),
            "start_week": pa.array([d - datetime.timedelta(days=d.weekday()) for d in start], pa.date32()),
            "site": pa.array(df["site"].astype(str).tolist(), pa.string()),
            "target_groups": pa.array(
                [sorted({str(g) for g in (gs if gs is not None else [])}) for gs in df["target_groups"]],
                pa.list_(pa.string()),
            ),
        }
    )


def _in_list(values):
    """A SQL list of string literals for IN (...)."""
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) or "NULL"


def _sql_list(values):
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _num(x):
    return "NULL" if x is None or (isinstance(x, float) and not math.isfinite(x)) else repr(float(x))


# --- the estimator over observation rows --------------------------------------------------------------------------


def _estimate_table(con, obs):
    """Difference of (weighted) means of grp 't' minus grp 'c' per (dim, key, outcome, horizon) of the table `obs`
    (dim, key, outcome, horizon, grp, person_key, w, y), with person-clustered robust standard errors (CR1, as
    statsmodels' cluster covariance; with one row per person and w = 1 it is HC1). Returns a list of dicts.

    Per person p: W_p = sum of w, S_p = sum of w*y; per group: mean m = ΣS_p / ΣW_p and the cluster sum of squares
    Σ(S_p - m W_p)² = ΣS_p² - 2m ΣS_p W_p + m² ΣW_p², all in one aggregation."""
    df = _Fetch(
        con,
        f"""
        WITH p AS (SELECT dim, key, outcome, horizon, grp, sum(w) AS wp, sum(w * y) AS sp
                   FROM {obs} GROUP BY dim, key, outcome, horizon, grp, person_key),
        g AS (SELECT dim, key, outcome, horizon, grp, sum(wp) AS weight, sum(sp) / sum(wp) AS mean,
                     sum(sp * sp) AS s2, sum(sp * wp) AS sw, sum(wp * wp) AS w2, count(*) AS persons
              FROM p GROUP BY ALL)
        SELECT dim, key, outcome, horizon,
               max(mean) FILTER (grp = 't') AS mean_t, max(mean) FILTER (grp = 'c') AS mean_c,
               max(weight) FILTER (grp = 't') AS w_t, max(weight) FILTER (grp = 'c') AS w_c,
               max(persons) FILTER (grp = 't') AS n_t, max(persons) FILTER (grp = 'c') AS n_c,
               max(greatest(s2 - 2 * mean * sw + mean * mean * w2, 0)) FILTER (grp = 't') AS ss_t,
               max(greatest(s2 - 2 * mean * sw + mean * mean * w2, 0)) FILTER (grp = 'c') AS ss_c
        FROM g GROUP BY ALL
        """,
    ).df()
    rows = []
    for r in df.itertuples(index=False):
        row = {
            "dim": r.dim,
            "key": r.key,
            "outcome": r.outcome,
            "horizon": int(r.horizon),
            "programme_mean": _f(r.mean_t),
            "comparison_mean": _f(r.mean_c),
            "n_programme": 0 if pd.isna(r.n_t) else int(r.n_t),
            "n_comparison": 0 if pd.isna(r.n_c) else int(r.n_c),
            "difference": None,
            "std_error": None,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
        }
        if row["n_programme"] and row["n_comparison"]:
            g = row["n_programme"] + row["n_comparison"]
            big_n = r.w_t + r.w_c
            diff = r.mean_t - r.mean_c
            row["difference"] = float(diff)
            if g > 1 and big_n > 2:
                factor = g / (g - 1) * (big_n - 1) / (big_n - 2)
                se = math.sqrt(factor * (r.ss_t / r.w_t**2 + r.ss_c / r.w_c**2))
                row.update(_interval(diff, se))
        rows.append(row)
    return rows


def _f(x):
    return None if x is None or pd.isna(x) else float(x)


def _interval(diff, se):
    out = {"std_error": float(se), "ci_low": float(diff - Z * se), "ci_high": float(diff + Z * se), "p_value": None}
    if se > 0:
        out["p_value"] = float(2 * stats.norm.sf(abs(diff) / se))
    elif diff == 0:
        out["p_value"] = 1.0
    else:
        out["p_value"] = 0.0
    return out


# --- the analysis ---------------------------------------------------------------------------------------------------


def analyse(con, participants, *, design, as_of, codes, seed=0, timings=None) -> Result:
    """The analysis of the participants (see the module's docstring). `timings`, if a dict, receives the seconds
    spent in each step (for the benchmark)."""
    if design not in ("lottery", "register_comparison"):
        raise ValueError(f"unknown design {design!r}")
    run = _Run(con, participants, design=design, as_of=as_of, codes=codes, seed=seed)
    run.timings = timings if timings is not None else {}
    try:
        return run.result()
    finally:
        run.drop()


class _Fetch:
    """A query's whole answer (DuckDB refuses the next query while a result is partly read)."""

    def __init__(self, con, query, params=None):
        self.con, self.query, self.params = con, query, params or []

    def fetchall(self):
        return self.con.execute(self.query, self.params).fetchall()

    def fetchone(self):
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self):
        return self.con.execute(self.query, self.params).df()


class _Run:
    def __init__(self, con, participants, *, design, as_of, codes, seed):
        self.con = con
        self.design = design
        self.as_of = as_of
        self.seed = int(seed)
        self.codes = {str(k): str(v) for k, v in codes.items()}
        self.tables = []
        self.participants = _participants_table(participants)
        self.suppressed = 0
        self.timings = {}
        self._clock = time.perf_counter()

    # helpers
    def sql(self, query, params=None):
        return _Fetch(self.con, query, params)

    def temp(self, name, query):
        self.sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}").fetchall()
        self.tables.append(name)

    def mark(self, step):
        """Book the seconds since the previous mark to `step`."""
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - self._clock
        self._clock = now

    def drop(self):
        for name in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        try:
            self.con.unregister("_jb_participants")
        except Exception:  # noqa: BLE001 - already gone
            pass

    # --- the panel span, the participants, the bitmaps ------------------------------------------------------------
    def prepare(self):
        monday = self.as_of - datetime.timedelta(days=self.as_of.weekday())
        first, last = self.sql("SELECT min(week), max(week) FROM status WHERE week <= ?", [monday]).fetchone()
        self.first, self.last = first, last
        if first is None:
            self.weeks = 0
            return
        self.weeks = (last - first).days // 7 + 1
        (last_month,) = self.sql("SELECT max(month) FROM hours WHERE month <= ?", [monday]).fetchone()
        self.last_month = last_month or datetime.date(1900, 1, 1)
        self.con.register("_jb_participants", self.participants)
        w = self.weeks
        first_lit = f"DATE '{first.isoformat()}'"
        self.idx = lambda col: f"(datediff('day', {first_lit}, {col}) // 7)::INTEGER"
        self.zero = f"'{'0' * w}'::BIT"
        self.temp(
            "_jb_p",
            f"""SELECT p.*, {self.idx("p.start_week")} AS anchor, date_trunc('quarter', p.start_week)::DATE AS cohort,
                       ps.birth_year, ps.sex, ps.origin, ps.municipality_code, ps.person_key IS NOT NULL AS has_data
                FROM _jb_participants p LEFT JOIN persons ps USING (person_key)""",
        )
        categories = sorted(set(self.codes.values()) | {"other"})
        self.category_ids = {c: i for i, c in enumerate(categories, start=1)}
        self.slices = max(self.category_ids.values()).bit_length()
        rows = [
            "('" + c.replace("'", "''") + "', " + str(self.category_ids[k]) + ", " + str(k in SELF_SUFFICIENT) + ")"
            for c, k in sorted(self.codes.items())
        ]
        if rows:
            self.temp("_jb_codes", f"SELECT * FROM (VALUES {', '.join(rows)}) t(benefit_code, cid, ss)")
        else:
            self.temp("_jb_codes", "SELECT ''::VARCHAR AS benefit_code, 0 AS cid, false AS ss WHERE false")
        # Codes outside the mapping: the category of its catch-all row ("*", categories.EVERY_OTHER_CODE) if it has
        # one, else "other"; never self-sufficient (mapping_errors refuses a self-sufficient catch-all).
        other = self.category_ids[self.codes.get(EVERY_OTHER_CODE, "other")]
        # One scan of the status panel: per person the weeks on benefit as a bit string (bit i = panel week i), and
        # the week's category id in binary over `slices` bit strings (slice k: bit k of the id), so the category of
        # any week is a few bit look-ups. Codes outside the mapping count as "other" (on benefit).
        sliced = ", ".join(
            f"bitstring_agg(i, 0, {w - 1}) FILTER ((cid >> {k}) & 1 = 1) AS k{k}" for k in range(self.slices)
        )
        self.temp(
            "_jb_ben",
            f"""SELECT person_key, bitstring_agg(i, 0, {w - 1}) FILTER (NOT ss) AS b, {sliced}
                FROM (SELECT s.person_key, {self.idx("s.week")} AS i, coalesce(c.cid, {other}) AS cid,
                             coalesce(c.ss, false) AS ss
                      FROM status s LEFT JOIN _jb_codes c ON c.benefit_code = s.benefit_code
                      WHERE s.week BETWEEN DATE '{first}' AND DATE '{last}')
                GROUP BY person_key""",
        )
        # One row per person with data: the persons row, the bit strings, a number, whether a participant.
        self.temp(
            "_jb_person",
            """SELECT ps.person_key, ps.birth_year, ps.sex, ps.origin, ps.municipality_code, bb.* EXCLUDE (person_key),
                      row_number() OVER (ORDER BY ps.person_key) AS r,
                      ps.person_key IN (SELECT person_key FROM _jb_p) AS participant
               FROM persons ps LEFT JOIN _jb_ben bb USING (person_key)""",
        )

    def cohorts(self):
        """Start cohorts (quarter of the start week) with their reference week (the median start week)."""
        self.temp(
            "_jb_cohorts",
            f"""SELECT cohort, quantile_disc(start_week, 0.5) AS ref_week, {self.idx("quantile_disc(start_week, 0.5)")} AS anchor,
                       count(*) AS participants
                FROM _jb_p WHERE has_data AND start_week BETWEEN DATE '{self.first}' AND DATE '{self.last}'
                GROUP BY cohort""",
        )

    def masks(self, anchors_sql):
        """Per anchor week the bit strings of the windows (pre-years and horizons), clipped to the panel."""
        w = self.weeks
        windows = {"y1": (-52, -1), "y2": (-104, -53), "y3": (-156, -105)}
        for h in HORIZONS:
            windows[f"c{h}"] = (1, h)
        values = ", ".join(f"('{k}', {lo}, {hi})" for k, (lo, hi) in windows.items())
        cols = ", ".join(
            f"coalesce(bitstring_agg(i, 0, {w - 1}) FILTER (win = '{k}'), {self.zero}) AS m_{k}" for k in windows
        )
        self.temp(
            "_jb_masks",
            f"""SELECT a.anchor, {cols}
                FROM ({anchors_sql}) a CROSS JOIN (VALUES {values}) v(win, lo, hi)
                LEFT JOIN range(0, {w}) r(i) ON r.i BETWEEN a.anchor + v.lo AND a.anchor + v.hi
                GROUP BY a.anchor""",
        )

    def unit_columns(self, anchor, anchor_week):
        """Covariates and horizon outcomes of a unit (a _jb_person row `pp`, its week 0 `anchor` and that week's date,
        the masks `mk` of the anchor), from the bit strings."""
        w = self.weeks
        b = f"coalesce(pp.b, {self.zero})"
        cols = [
            f"(year({anchor_week}) - pp.birth_year)::DOUBLE AS age",
            "(pp.sex = 'K')::INTEGER::DOUBLE AS female",
            "(pp.origin = 'indvandrer')::INTEGER::DOUBLE AS origin_indvandrer",
            "(pp.origin = 'efterkommer')::INTEGER::DOUBLE AS origin_efterkommer",
            "pp.municipality_code AS municipality",
        ]
        for y in (1, 2, 3):
            cols.append(f"bit_count({b} & mk.m_y{y})::DOUBLE AS weeks_year{y}")
        for h in HORIZONS:
            cols.append(
                f"CASE WHEN {anchor} + {h} BETWEEN 0 AND {w - 1} THEN 1 - get_bit({b}, ({anchor} + {h})::INTEGER) END AS ss{h}"
            )
            cols.append(
                f"CASE WHEN {anchor} + 1 >= 0 AND {anchor} + {h} <= {w - 1} THEN {h} - bit_count({b} & mk.m_c{h}) END AS cum{h}"
            )
        cid = " + ".join(
            f"{1 << k} * get_bit(coalesce(pp.k{k}, {self.zero}), ({anchor})::INTEGER)" for k in range(self.slices)
        )
        names = " ".join(f"WHEN {i} THEN '{c}'" for c, i in self.category_ids.items())
        cols.append(
            f"CASE WHEN {anchor} NOT BETWEEN 0 AND {w - 1} THEN NULL "
            f"WHEN ({cid}) = 0 THEN 'self_sufficient' ELSE CASE ({cid}) {names} ELSE 'other' END END AS category"
        )
        return ", ".join(cols)

    # --- the result ---------------------------------------------------------------------------------------------
    def result(self):
        self.prepare()
        self.mark("scan")
        counts = {"participants": self.participants.num_rows}
        if self.weeks == 0:
            return self.finish(counts, [], [], [], [], None, [])
        (without,) = self.sql("SELECT count(*) FILTER (NOT has_data) FROM _jb_p").fetchone()
        counts["without_register_data"] = without
        if self.design == "lottery":
            return self.lottery(counts)
        return self.register(counts)

    def finish(self, counts, curves, estimates, naive, balance, pre_trend, subgroups):
        counts = {
            k: (None if v is not None and v < SMALLEST else (int(v) if v is not None else None))
            for k, v in counts.items()
        }
        return Result(
            method=self.design,
            as_of=self.as_of.isoformat(),
            last_week=self.last.isoformat() if self.last else None,
            counts=counts,
            curves=curves,
            estimates=estimates,
            naive=naive,
            balance=balance,
            pre_trend=pre_trend,
            subgroups=subgroups,
            suppressed=self.suppressed,
        )

    # --- weekly values of the selected units --------------------------------------------------------------------
    def weekly(self, units):
        """`_jb_rel`: per unit of `units` (unit, person_key, anchor) and relative week -104..104 inside the panel the
        outcomes self_sufficient, ordinary_hours, paid_hours_per_week (hours NULL after the hours panel)."""
        w = self.weeks
        lo, hi = -max(TREND_WEEKS, PRE_WEEKS, -CURVE_WEEKS[0]), CURVE_WEEKS[1]
        # Per unit its person number (persons are clusters; an integer is cheaper to group by) and bit string; per
        # panel week its month; per unit and month the paid hours: integer joins only below.
        self.temp(
            "_jb_wu",
            f"""SELECT u.unit, pp.r AS pid, u.anchor, coalesce(pp.b, {self.zero}) AS b
                FROM {units} u JOIN _jb_person pp USING (person_key)""",
        )
        self.temp(
            "_jb_wk",
            f"""SELECT i, year(d) * 12 + month(d) AS mi, date_trunc('month', d) <= DATE '{self.last_month}' AS hours_ok
                FROM (SELECT i, DATE '{self.first}' + (7 * i)::INTEGER AS d FROM range(0, {w}) r(i))""",
        )
        self.temp(
            "_jb_hm",
            """SELECT wu.unit, year(h.month) * 12 + month(h.month) AS mi, sum(h.paid_hours) AS h
               FROM hours h JOIN (SELECT u.unit, pp.person_key FROM _jb_wu u JOIN _jb_person pp ON pp.r = u.pid) wu
                 ON wu.person_key = h.person_key
               GROUP BY ALL""",
        )
        self.temp(
            "_jb_rel",
            f"""SELECT u.unit, u.pid AS person_key, r.rel,
                       (1 - get_bit(u.b, (u.anchor + r.rel)::INTEGER))::DOUBLE AS self_sufficient,
                       CASE WHEN wk.hours_ok THEN (coalesce(hm.h, 0) > 0)::INTEGER::DOUBLE END AS ordinary_hours,
                       CASE WHEN wk.hours_ok THEN coalesce(hm.h, 0) * 12 / 52 END AS paid_hours_per_week
                FROM _jb_wu u CROSS JOIN range({lo}, {hi + 1}) r(rel)
                JOIN _jb_wk wk ON wk.i = u.anchor + r.rel
                LEFT JOIN _jb_hm hm ON hm.unit = u.unit AND hm.mi = wk.mi""",
        )
        # Per unit: outcomes at the horizons, pre-period means, the pre-trend slope.
        horizon_cols = []
        for h in HORIZONS:
            for o in CURVE_OUTCOMES:
                horizon_cols.append(f"max({o}) FILTER (rel = {h}) AS {o}_{h}")
            horizon_cols.append(
                f"CASE WHEN count(*) FILTER (rel BETWEEN 1 AND {h}) = {h} THEN sum(self_sufficient) FILTER (rel BETWEEN 1 AND {h}) END AS cum_{h}"
            )
        pre_cols = [f"avg({o}) FILTER (rel BETWEEN -{PRE_WEEKS} AND -1) AS pre_{o}" for o in CURVE_OUTCOMES]
        self.temp(
            "_jb_val",
            f"""SELECT unit, {", ".join(horizon_cols)}, {", ".join(pre_cols)},
                       regr_slope(self_sufficient, rel) FILTER (rel BETWEEN -{TREND_WEEKS} AND -1) * 52 AS trend
                FROM _jb_rel GROUP BY unit""",
        )

    def long_values(self, did):
        """`_jb_long`: (unit, outcome, horizon, y) — the outcome at the horizon, or its change from the pre-period."""
        parts = []
        for h in HORIZONS:
            for o in CURVE_OUTCOMES:
                y = f"{o}_{h} - pre_{o}" if did else f"{o}_{h}"
                parts.append(f"SELECT unit, '{o}' AS outcome, {h} AS horizon, {y} AS y FROM _jb_val")
            y = f"cum_{h} - {h} * pre_self_sufficient" if did else f"cum_{h}"
            parts.append(f"SELECT unit, 'cumulative_self_sufficient_weeks', {h}, {y} FROM _jb_val")
        parts.append("SELECT unit, 'pre_trend', 0, trend FROM _jb_val")
        self.temp("_jb_long", f"SELECT * FROM ({' UNION ALL '.join(parts)}) WHERE y IS NOT NULL")

    # --- lottery --------------------------------------------------------------------------------------------------
    def lottery(self, counts):
        self.temp(
            "_jb_units",
            f"""SELECT unit, person_key, arm, site, target_groups, anchor, start_week AS anchor_week
                FROM _jb_p WHERE has_data AND arm IN ('programme', 'control') AND anchor <= {self.weeks - 1}""",
        )
        (n_p, n_c) = self.sql(
            "SELECT count(*) FILTER (arm = 'programme'), count(*) FILTER (arm = 'control') FROM _jb_p WHERE has_data"
        ).fetchone()
        counts.update({"programme": n_p, "control": n_c})
        self.weekly("_jb_units")
        self.long_values(did=False)
        self.temp(
            "_jb_mem",
            """SELECT unit, 'all' AS dim, 'all' AS key FROM _jb_units
               UNION ALL SELECT unit, 'site', site FROM _jb_units
               UNION ALL SELECT unit, 'target_group', unnest(target_groups) FROM _jb_units""",
        )
        self.temp(
            "_jb_obs",
            """SELECT m.dim, m.key, l.outcome, l.horizon, CASE WHEN u.arm = 'programme' THEN 't' ELSE 'c' END AS grp,
                      wu.pid AS person_key, 1.0 AS w, l.y
               FROM _jb_long l JOIN _jb_units u USING (unit) JOIN _jb_wu wu USING (unit) JOIN _jb_mem m USING (unit)
               WHERE l.outcome <> 'pre_trend'""",
        )
        self.temp(
            "_jb_curve_obs",
            f"""SELECT r.rel, CASE WHEN u.arm = 'programme' THEN 't' ELSE 'c' END AS grp, r.person_key, 1.0 AS w,
                       r.self_sufficient, r.ordinary_hours, r.paid_hours_per_week
                FROM _jb_rel r JOIN _jb_units u USING (unit) WHERE r.rel BETWEEN {CURVE_WEEKS[0]} AND {CURVE_WEEKS[1]}""",
        )
        self.mark("estimate")
        estimates, subgroups = self.estimates_and_subgroups()
        balance = self.balance_lottery()
        self.mark("balance")
        curves = self.curves()
        self.mark("curves")
        return self.finish(counts, curves, estimates, [], balance, None, subgroups)

    def balance_lottery(self):
        """The arms as drawn compared on the covariates at the start (a check of the draw; pool and matched = control)."""
        self.masks("SELECT DISTINCT anchor FROM _jb_units")
        cols = self.unit_columns("u.anchor", "u.anchor_week")
        self.temp(
            "_jb_cov",
            f"""SELECT u.unit, u.arm = 'programme' AS treated, {cols}
                FROM _jb_units u JOIN _jb_person pp USING (person_key) JOIN _jb_masks mk USING (anchor)""",
        )
        aggs = ["count(*)"]
        for cov in BALANCE_COVARIATES:
            aggs += [f"avg({cov})", f"var_samp({cov})"]
        rows = {
            r[0]: r[1:] for r in self.sql(f"SELECT treated, {', '.join(aggs)} FROM _jb_cov GROUP BY treated").fetchall()
        }
        t, c = rows.get(True), rows.get(False)
        if t is None or c is None or t[0] < SMALLEST or c[0] < SMALLEST:
            self.suppressed += len(BALANCE_COVARIATES)
            return []
        out = []
        for j, cov in enumerate(BALANCE_COVARIATES):
            mt, vt, mc, vc = t[1 + 2 * j], t[2 + 2 * j], c[1 + 2 * j], c[2 + 2 * j]
            smd = _smd(mt, mc, vt, vc)
            out.append(
                {
                    "covariate": cov,
                    "programme_mean": _f(mt),
                    "pool_mean": _f(mc),
                    "matched_mean": _f(mc),
                    "smd_before": smd,
                    "smd_after": smd,
                }
            )
        return out

    # --- the shared estimate / subgroup / curve steps -------------------------------------------------------------
    def estimates_and_subgroups(self):
        rows = _estimate_table(self.con, "_jb_obs")
        estimates, subs = [], {}
        for r in rows:
            if r["dim"] == "all":
                if min(r["n_programme"], r["n_comparison"]) < SMALLEST or r["difference"] is None:
                    self.suppressed += 1
                    continue
                estimates.append(_public(r))
            else:
                subs.setdefault(r["dim"], []).append(r)
        estimates.sort(key=lambda e: (OUTCOMES.index(e["outcome"]), e["horizon"]))
        subgroups = []
        for dim in ("site", "target_group"):
            kept = self.disclose(subs.get(dim, []))
            by_key = {}
            for r in kept:
                by_key.setdefault(r["key"], []).append(_public(r))
            for key in sorted(by_key):
                ests = sorted(by_key[key], key=lambda e: (OUTCOMES.index(e["outcome"]), e["horizon"]))
                subgroups.append({"dimension": dim, "key": key, "estimates": ests})
        return estimates, subgroups

    def disclose(self, rows):
        """Primary and secondary suppression within each breakdown (outcome, horizon) of one dimension."""
        cells = {}
        for r in rows:
            cells.setdefault((r["outcome"], r["horizon"]), []).append(r)
        kept = []
        for group in cells.values():
            small = [r for r in group if min(r["n_programme"], r["n_comparison"]) < SMALLEST or r["difference"] is None]
            rest = [r for r in group if r not in small]
            if len(small) == 1 and rest:
                rest.sort(key=lambda r: (min(r["n_programme"], r["n_comparison"]), r["key"]))
                small.append(rest.pop(0))
            self.suppressed += len(small)
            kept.extend(rest)
        return kept

    def curves(self):
        """Per outcome, relative week and group the (weighted) mean with a 95 % band clustered by person, from
        `_jb_curve_obs` (rel, grp, person_key, w, one column per outcome): two aggregations, no join."""
        per_person = ", ".join(
            f"sum(w) FILTER ({o} IS NOT NULL) AS w_{o}, sum(w * {o}) AS s_{o}" for o in CURVE_OUTCOMES
        )
        per_group = ", ".join(
            f"sum(w_{o}) AS w_{o}, sum(s_{o}) AS s_{o}, sum(s_{o} * s_{o}) AS s2_{o}, sum(s_{o} * w_{o}) AS sw_{o}, "
            f"sum(w_{o} * w_{o}) AS w2_{o}, count(w_{o}) AS n_{o}"
            for o in CURVE_OUTCOMES
        )
        df = self.sql(
            f"""WITH p AS (SELECT rel, grp, {per_person} FROM _jb_curve_obs GROUP BY rel, grp, person_key)
                SELECT rel, grp, {per_group} FROM p GROUP BY rel, grp ORDER BY rel, grp"""
        ).df()
        out = []
        for o in CURVE_OUTCOMES:
            for rel, g in df.groupby("rel", sort=True):
                groups = {r["grp"]: r for r in g.to_dict("records")}
                ns = {k: int(v[f"n_{o}"] or 0) for k, v in groups.items()}
                if not ns or min(ns.get("t", 0), ns.get("c", 0)) < SMALLEST:
                    self.suppressed += sum(1 for n in ns.values() if n)
                    continue
                for grp, name in (("t", "programme"), ("c", "comparison")):
                    r = groups[grp]
                    n, weight = ns[grp], r[f"w_{o}"]
                    mean = r[f"s_{o}"] / weight
                    ss = max(r[f"s2_{o}"] - 2 * mean * r[f"sw_{o}"] + mean * mean * r[f"w2_{o}"], 0.0)
                    se = math.sqrt(ss * n / (n - 1)) / weight if n > 1 else 0.0
                    low, high = mean - Z * se, mean + Z * se
                    low = max(low, 0.0)
                    if o != "paid_hours_per_week":
                        high = min(high, 1.0)
                    out.append(
                        {
                            "outcome": o,
                            "week": int(rel),
                            "group": name,
                            "n": n,
                            "mean": float(mean),
                            "low": float(low),
                            "high": float(high),
                        }
                    )
        return out

    # --- register comparison --------------------------------------------------------------------------------------
    def register(self, counts):
        self.cohorts()
        self.temp(
            "_jb_cohort_k",
            "SELECT *, row_number() OVER (ORDER BY cohort) AS k, count(*) OVER () AS kk FROM _jb_cohorts",
        )
        self.masks("SELECT anchor FROM _jb_p WHERE has_data UNION SELECT anchor FROM _jb_cohorts")
        # Units: participants at their start week, pool persons at each cohort's reference week.
        part_cols = self.unit_columns("p.anchor", "p.start_week")
        pool_cols = self.unit_columns("c.anchor", "c.ref_week")
        self.temp(
            "_jb_cov",
            f"""SELECT p.unit, p.person_key, true AS treated, p.cohort, p.anchor, {part_cols}
                FROM _jb_p p JOIN _jb_person pp USING (person_key) JOIN _jb_masks mk ON mk.anchor = p.anchor
                WHERE p.has_data AND p.cohort IN (SELECT cohort FROM _jb_cohorts)
                UNION ALL
                SELECT (SELECT count(*) FROM _jb_p) + (pp.r - 1) * c.kk + c.k, pp.person_key, false, c.cohort, c.anchor,
                       {pool_cols}
                FROM _jb_person pp CROSS JOIN _jb_cohort_k c JOIN _jb_masks mk ON mk.anchor = c.anchor
                WHERE NOT pp.participant""",
        )
        (n_part,) = self.sql("SELECT count(*) FROM _jb_p WHERE has_data").fetchone()
        (n_pool,) = self.sql("SELECT count(*) FROM _jb_person WHERE NOT participant").fetchone()
        counts.update({"programme": n_part, "pool": n_pool})
        self.mark("covariates")
        naive_pool = self.naive_pool()
        self.levels = self.design_levels()
        before = self.balance_before()
        self.mark("naive")
        lp = self.propensity()
        self.mark("propensity")
        if lp is None:
            counts.update({"matched": 0, "unmatched": n_part})
            return self.finish(counts, [], [], [], [], None, [])
        self.match(lp)
        (matched,) = self.sql("SELECT count(*) FROM _jb_pairs").fetchone()
        counts.update({"matched": matched, "unmatched": n_part - matched})
        self.mark("match")
        balance = self.balance_after(before)
        # Weekly values of all participants (for the naive comparison) and the matches.
        self.temp(
            "_jb_sel",
            """SELECT unit, person_key, anchor, treated FROM _jb_cov
               WHERE treated OR unit IN (SELECT c FROM _jb_pairs)""",
        )
        self.weekly("_jb_sel")
        self.long_values(did=False)
        naive = self.naive(naive_pool)
        self.long_values(did=True)
        self.temp(
            "_jb_mem",
            """SELECT unit, 'all' AS dim, 'all' AS key FROM _jb_pairs p JOIN _jb_p u ON u.unit = p.t
               UNION ALL SELECT unit, 'site', site FROM _jb_pairs p JOIN _jb_p u ON u.unit = p.t
               UNION ALL SELECT unit, 'target_group', unnest(target_groups) FROM _jb_pairs p JOIN _jb_p u ON u.unit = p.t""",
        )
        # Pairs where both reach the horizon; a match's weight is its number of such pairs.
        self.temp(
            "_jb_obs",
            """WITH pv AS (
                   SELECT p.t, p.c, lt.outcome, lt.horizon, lt.y AS yt, lc.y AS yc
                   FROM _jb_pairs p JOIN _jb_long lt ON lt.unit = p.t
                   JOIN _jb_long lc ON lc.unit = p.c AND lc.outcome = lt.outcome AND lc.horizon = lt.horizon)
               SELECT m.dim, m.key, pv.outcome, pv.horizon, 't' AS grp, ut.pid AS person_key, 1.0 AS w, pv.yt AS y
               FROM pv JOIN _jb_mem m ON m.unit = pv.t JOIN _jb_wu ut ON ut.unit = pv.t
               UNION ALL
               SELECT m.dim, m.key, pv.outcome, pv.horizon, 'c', uc.pid, 1.0, pv.yc
               FROM pv JOIN _jb_mem m ON m.unit = pv.t JOIN _jb_wu uc ON uc.unit = pv.c""",
        )
        self.temp(
            "_jb_curve_obs",
            f"""SELECT r.rel, 't' AS grp, r.person_key, 1.0 AS w, r.self_sufficient, r.ordinary_hours,
                       r.paid_hours_per_week
                FROM _jb_rel r WHERE r.unit IN (SELECT t FROM _jb_pairs) AND r.rel BETWEEN {CURVE_WEEKS[0]} AND {CURVE_WEEKS[1]}
                UNION ALL
                SELECT r.rel, 'c', r.person_key, p.k::DOUBLE, r.self_sufficient, r.ordinary_hours, r.paid_hours_per_week
                FROM _jb_rel r JOIN (SELECT c, count(*) AS k FROM _jb_pairs GROUP BY c) p ON p.c = r.unit
                WHERE r.rel BETWEEN {CURVE_WEEKS[0]} AND {CURVE_WEEKS[1]}""",
        )
        all_rows = _estimate_table(self.con, "_jb_obs")
        trend = [r for r in all_rows if r["outcome"] == "pre_trend" and r["dim"] == "all"]
        self.sql("DELETE FROM _jb_obs WHERE outcome = 'pre_trend'").fetchall()
        estimates, subgroups = self.estimates_and_subgroups()
        pre_trend = None
        if trend:
            t = trend[0]
            if min(t["n_programme"], t["n_comparison"]) < SMALLEST or t["difference"] is None:
                self.suppressed += 1
            else:
                pre_trend = {
                    "outcome": "self_sufficient",
                    "difference_per_year": t["difference"],
                    "std_error": t["std_error"],
                    "p_value": t["p_value"],
                    "n_programme": t["n_programme"],
                    "n_comparison": t["n_comparison"],
                }
        self.mark("estimate")
        curves = self.curves()
        self.mark("curves")
        return self.finish(counts, curves, estimates, naive, balance, pre_trend, subgroups)

    def design_levels(self):
        """The levels of the categorical covariates: those with at least MIN_LEVEL participants, the rest pooled."""
        levels = {}
        for column in ("category", "municipality"):
            rows = self.sql(
                f"SELECT {column}, count(*) FROM _jb_cov WHERE treated GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
            levels[column] = [v for v, n in rows if n >= MIN_LEVEL and v is not None]
            levels[column + "_all"] = [v for v, _n in rows if v is not None]
        levels["cohort"] = [
            r[0] for r in self.sql("SELECT DISTINCT cohort FROM _jb_cov WHERE treated ORDER BY 1").fetchall()
        ]
        return levels

    def propensity(self):
        """Fit the logit on participants and a sample of pool units; returns the SQL expression of the linear
        predictor, or None if there is nothing to fit."""
        lv = self.levels
        # Common support on the week-0 category: pool units in a category no participant has are left out.
        self.sql(
            f"DELETE FROM _jb_cov WHERE NOT treated AND category NOT IN ({_in_list(lv['category_all'])})"
        ).fetchall()
        n_t, n_c = self.sql("SELECT count(*) FILTER (treated), count(*) FILTER (NOT treated) FROM _jb_cov").fetchone()
        if n_t < 2 or n_c < 2:
            return None
        terms = {
            "age": "age",
            "female": "female",
            "origin_indvandrer": "origin_indvandrer",
            "origin_efterkommer": "origin_efterkommer",
            "weeks_year1": "weeks_year1 / 52",
            "weeks_year2": "weeks_year2 / 52",
            "weeks_year3": "weeks_year3 / 52",
        }
        # Reference levels: the most common category and municipality, the first cohort.
        for value in lv["category"][1:]:
            terms[f"category={value}"] = f"(category = '{value}')::INTEGER"
        if len(lv["category"]) < len(lv["category_all"]) and lv["category"]:
            terms["category=rare"] = f"(category NOT IN ({_in_list(lv['category'])}))::INTEGER"
        for value in lv["municipality"][1:]:
            terms[f"municipality={value}"] = f"(municipality = '{value}')::INTEGER"
        if len(lv["municipality"]) < len(lv["municipality_all"]) and lv["municipality"]:
            terms["municipality=rare"] = f"(municipality NOT IN ({_in_list(lv['municipality'])}))::INTEGER"
        for value in lv["cohort"][1:]:
            terms[f"cohort={value}"] = f"(cohort = DATE '{value}')::INTEGER"
        take = POOL_SAMPLE_PER_PARTICIPANT * n_t
        threshold = min(1.0, take / n_c)
        select = ", ".join(f'({expr})::DOUBLE AS "{name}"' for name, expr in terms.items())
        df = self.sql(
            f"""SELECT treated::INTEGER AS d, {select} FROM _jb_cov
                WHERE treated OR hash(unit, {self.seed}) % 1000000 < {int(threshold * 1_000_000)}"""
        ).df()
        x = df.drop(columns="d")
        x = x.loc[:, x.std(ddof=0) > 0]
        x = sm.add_constant(x, has_constant="add")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(df["d"].to_numpy(), x).fit(method="newton", maxiter=100, disp=0)
        params = fit.params.replace([np.inf, -np.inf], np.nan).fillna(0.0)
        self.logit = fit
        # The linear predictor in SQL: the numeric terms inline, each categorical variable's contribution from a small
        # table of (level, coefficient) joined on the level (levels not in it: the reference, or the pooled level).
        expr = [_num(params["const"])]
        lookups = {"category": {}, "municipality": {}, "cohort": {}}
        for name, beta in params.items():
            if name == "const":
                continue
            variable, _eq, level = name.partition("=")
            if variable in lookups:
                lookups[variable][level] = float(beta)
            else:
                expr.append(f"{_num(beta)} * ({terms[name]})")
        joins = []
        for variable, coefs in lookups.items():
            rare = coefs.pop("rare", 0.0)
            known = lv[variable] if variable != "cohort" else [str(c) for c in lv["cohort"]]
            rows = [f"('{level}', {_num(coefs.get(level, 0.0))})" for level in known]
            column = f"{variable}::VARCHAR" if variable == "cohort" else variable
            if rows:
                self.temp(f"_jb_lp_{variable}", f"SELECT * FROM (VALUES {', '.join(rows)}) t(level, beta)")
                joins.append(f"LEFT JOIN _jb_lp_{variable} l_{variable} ON l_{variable}.level = v.{column}")
                expr.append(f"coalesce(l_{variable}.beta, {_num(rare)})")
            else:
                expr.append(_num(rare))
        self.lp_from = "_jb_cov v " + " ".join(joins)
        return " + ".join(expr)

    def match(self, lp):
        """Nearest neighbour on the logit within the cohort, with replacement, within the caliper: two ASOF joins."""
        self.temp(
            "_jb_score",
            f"""SELECT unit, treated, cohort, lp, lp + 1e-9 * (hash(unit, {self.seed}) % 1000000) / 1000000.0 AS lpj
                FROM (SELECT v.unit, v.treated, v.cohort, ({lp}) AS lp FROM {self.lp_from})""",
        )
        (sd,) = self.sql(
            "SELECT sqrt((var_samp(lp) FILTER (treated) + var_samp(lp) FILTER (NOT treated)) / 2) FROM _jb_score"
        ).fetchone()
        self.caliper = CALIPER_SD * (sd or 0.0)
        self.temp(
            "_jb_pairs",
            f"""WITH t AS (SELECT unit, cohort, lpj FROM _jb_score WHERE treated),
                     c AS (SELECT unit, cohort, lpj FROM _jb_score WHERE NOT treated),
                     lo AS (SELECT t.unit AS t, c.unit AS c, t.lpj - c.lpj AS d
                            FROM t ASOF JOIN c ON t.cohort = c.cohort AND t.lpj >= c.lpj),
                     hi AS (SELECT t.unit AS t, c.unit AS c, c.lpj - t.lpj AS d
                            FROM t ASOF JOIN c ON t.cohort = c.cohort AND t.lpj <= c.lpj),
                     both_ AS (SELECT * FROM lo UNION ALL SELECT * FROM hi)
                SELECT t, arg_min(c, d) AS c, min(d) AS distance FROM both_ GROUP BY t
                HAVING min(d) <= {_num(self.caliper)}""",
        )

    def naive_pool(self):
        """The whole pool's outcomes at each cohort's reference week + h (before any restriction)."""
        pool_cols = []
        for h in HORIZONS:
            pool_cols += [
                f"avg(ss{h}) AS m_ss{h}, var_samp(ss{h}) AS v_ss{h}, count(ss{h}) AS n_ss{h}",
                f"avg(cum{h}) AS m_cum{h}, var_samp(cum{h}) AS v_cum{h}, count(cum{h}) AS n_cum{h}",
            ]
        pool = self.sql(f"SELECT cohort, {', '.join(pool_cols)} FROM _jb_cov WHERE NOT treated GROUP BY cohort").df()
        targets = []
        for h in HORIZONS:
            targets.append(
                f"""SELECT cohort, {h} AS horizon,
                           date_trunc('month', DATE '{self.first}' + (7 * (anchor + {h}))::INTEGER)::DATE AS month
                    FROM _jb_cohorts WHERE anchor + {h} <= {self.weeks - 1}"""
            )
        hours = self.sql(
            f"""WITH t AS ({" UNION ALL ".join(targets)}),
                n AS (SELECT count(*) AS n FROM _jb_person WHERE NOT participant),
                hh AS (SELECT person_key, month, sum(paid_hours) * 12 / 52 AS h FROM hours
                       WHERE month IN (SELECT month FROM t) GROUP BY ALL),
                h AS (SELECT t.cohort, t.horizon, count(*) FILTER (hh.h > 0) AS pos, sum(hh.h) AS s1,
                             sum(hh.h * hh.h) AS s2
                      FROM t JOIN hh ON hh.month = t.month
                      JOIN _jb_person pp ON pp.person_key = hh.person_key AND NOT pp.participant
                      GROUP BY ALL)
                SELECT t.cohort, t.horizon, t.month, n.n, coalesce(h.pos, 0) AS pos, coalesce(h.s1, 0) AS s1,
                       coalesce(h.s2, 0) AS s2
                FROM t CROSS JOIN n LEFT JOIN h USING (cohort, horizon)"""
        ).df()
        pool["cohort"] = pd.to_datetime(pool["cohort"]).dt.date
        hours["cohort"] = pd.to_datetime(hours["cohort"]).dt.date
        return pool, hours

    def naive(self, naive_pool):
        """Participants (all, at their start) against the whole pool (at the cohorts' reference weeks), the pool's
        cohorts weighted by their numbers of participants."""
        pool, hours = naive_pool
        w = {r[0]: r[1] for r in self.sql("SELECT cohort, participants FROM _jb_cohorts").fetchall()}
        part = {}
        for o, h, n, m, v in self.sql(
            """SELECT outcome, horizon, count(*), avg(y), var_samp(y) FROM _jb_long
               WHERE outcome <> 'pre_trend' AND unit IN (SELECT unit FROM _jb_sel WHERE treated) GROUP BY ALL"""
        ).fetchall():
            part[(o, h)] = (int(n), float(m), float(v or 0.0))
        rows = []
        for o in OUTCOMES:
            for h in HORIZONS:
                pv = part.get((o, h))
                if pv is None:
                    continue
                n_t, mean_t, var_t = pv
                num = den = var = 0.0
                n_c = 0
                for cohort, wc in w.items():
                    m, v, n = self._pool_moments(pool, hours, cohort, o, h)
                    if n is None or n < 2:
                        continue
                    num += wc * m
                    den += wc
                    var += wc * wc * v / n
                    n_c = max(n_c, n)
                if den == 0 or n_t < 2:
                    continue
                mean_c = num / den
                se = math.sqrt(var_t / n_t + var / den**2)
                diff = mean_t - mean_c
                if min(n_t, n_c) < SMALLEST:
                    self.suppressed += 1
                    continue
                rows.append(
                    _public(
                        {
                            "outcome": o,
                            "horizon": h,
                            "programme_mean": mean_t,
                            "comparison_mean": mean_c,
                            "difference": diff,
                            "n_programme": n_t,
                            "n_comparison": n_c,
                            **_interval(diff, se),
                        }
                    )
                )
        return rows

    def _pool_moments(self, pool, hours, cohort, outcome, h):
        if outcome in ("self_sufficient", "cumulative_self_sufficient_weeks"):
            col = f"ss{h}" if outcome == "self_sufficient" else f"cum{h}"
            r = pool[pool.cohort == cohort]
            if r.empty or not r[f"n_{col}"].iloc[0]:
                return None, None, None
            return float(r[f"m_{col}"].iloc[0]), float(r[f"v_{col}"].iloc[0] or 0.0), int(r[f"n_{col}"].iloc[0])
        r = hours[(hours.cohort == cohort) & (hours.horizon == h)]
        if r.empty:
            return None, None, None
        n = int(r.n.iloc[0])
        if pd.Timestamp(r.month.iloc[0]).date() > self.last_month:
            return None, None, None
        if outcome == "ordinary_hours":
            p = float(r.pos.iloc[0]) / n
            return p, p * (1 - p) * n / max(n - 1, 1), n
        s1, s2 = float(r.s1.iloc[0]), float(r.s2.iloc[0])
        m = s1 / n
        return m, max(s2 - n * m * m, 0.0) / max(n - 1, 1), n

    def balance_exprs(self):
        exprs = {c: c for c in BALANCE_COVARIATES}
        for c in self.levels["category"]:
            exprs[f"category={c}"] = f"(category = '{c}')::INTEGER::DOUBLE"
        return exprs

    def balance_before(self):
        """Participants and the whole pool: counts, means and variances of the covariates (one aggregation, grouped
        by participant or not)."""
        exprs = self.balance_exprs()
        aggs = ["count(*)"]
        for e in exprs.values():
            aggs += [f"avg({e})", f"var_samp({e})"]
        rows = {
            r[0]: r[1:] for r in self.sql(f"SELECT treated, {', '.join(aggs)} FROM _jb_cov GROUP BY treated").fetchall()
        }
        t = rows.get(True, (0,) + (None,) * (2 * len(exprs)))
        c = rows.get(False, (0,) + (None,) * (2 * len(exprs)))
        values = [t[0], c[0]]
        for j in range(len(exprs)):
            values += [t[1 + 2 * j], t[2 + 2 * j], c[1 + 2 * j], c[2 + 2 * j]]
        return values

    def balance_after(self, before):
        exprs = self.balance_exprs()
        aggs = ["count(*) FILTER (w.k IS NOT NULL)", "count(*) FILTER (treated AND t.t IS NOT NULL)"]
        for e in exprs.values():
            aggs += [
                f"sum({e} * w.k) FILTER (w.k IS NOT NULL) / sum(w.k) FILTER (w.k IS NOT NULL)",
                f"avg({e}) FILTER (treated AND t.t IS NOT NULL)",
            ]
        after = self.sql(
            f"""WITH w AS (SELECT c AS unit, count(*) AS k FROM _jb_pairs GROUP BY c), t AS (SELECT t FROM _jb_pairs)
                SELECT {", ".join(aggs)} FROM _jb_cov LEFT JOIN w USING (unit) LEFT JOIN t ON t.t = _jb_cov.unit"""
        ).fetchone()
        nt, np_ = before[0] or 0, before[1] or 0
        nm, ntm = after[0] or 0, after[1] or 0
        if min(nt, np_, nm, ntm) < SMALLEST:
            self.suppressed += len(exprs)
            return []
        rows = []
        for j, name in enumerate(exprs):
            mt, vt, mp, vp = before[2 + 4 * j : 6 + 4 * j]
            mm, mtm = after[2 + 2 * j : 4 + 2 * j]
            rows.append(
                {
                    "covariate": name,
                    "programme_mean": _f(mt),
                    "pool_mean": _f(mp),
                    "matched_mean": _f(mm),
                    "smd_before": _smd(mt, mp, vt, vp),
                    "smd_after": _smd(mtm, mm, vt, vp),
                }
            )
        return rows


def _smd(a, b, va, vb):
    if a is None or b is None:
        return None
    sd = math.sqrt(((va or 0.0) + (vb or 0.0)) / 2)
    if sd == 0:
        return 0.0 if a == b else None
    return float((a - b) / sd)


def _public(r):
    return {
        "outcome": r["outcome"],
        "horizon": int(r["horizon"]),
        "programme_mean": r["programme_mean"],
        "comparison_mean": r["comparison_mean"],
        "difference": r["difference"],
        "std_error": r["std_error"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "p_value": r["p_value"],
        "n_programme": int(r["n_programme"]),
        "n_comparison": int(r["n_comparison"]),
    }
