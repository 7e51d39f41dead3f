"""The effect analysis at register scale: import, match and estimate over 500,000 pool persons × 260 weeks.

    .venv/bin/python bench/effect.py                       # 10,000 participants, 500,000 pool, 260 weeks, seed 2026
    .venv/bin/python bench/effect.py --pool 50000          # smaller
    .venv/bin/python bench/effect.py --pandas-pool 20000   # the pandas comparison on 20,000 pool persons (the default)
    .venv/bin/python bench/effect.py --no-pandas           # only the DuckDB analysis

The delivery (jobbro/effect/synthetic.py: persons, weekly status, monthly hours as Parquet, with a planted effect
and selection on observables) is generated once per size and seed and kept under var/bench/effect/ (gitignored);
a later run reuses it. Generation runs in a child process, so the peak memory printed is the import's and the
analysis's own.

Measured, in this process, with 2 DuckDB threads and DuckDB's 2 GB memory limit (panels.connect's defaults):
  import     panels.import_delivery of persons, status and hours into a fresh register directory (validation,
             sorting, writing the stored Parquet): what an evaluator's upload costs.
  analysis   analysis.analyse(..., design="register_comparison"), the whole of it: the status scan into per-person
             bit strings, covariates of every pool person at every start cohort's reference week, the propensity
             logit, the matching, the naive comparison, the balance table, the matched difference-in-differences
             with subgroups, the curves. Its steps are printed ("match" = propensity + matching, "estimate" = naive,
             balance, estimates and curves).
  peak RSS   the process's resident-memory high-water mark (resource.getrusage) after the analysis (import and
             analysis; Python, pandas and DuckDB together), then after the pandas comparison.
  pandas     the same register-comparison estimate written plainly in pandas (read the Parquet into DataFrames,
             covariates by groupby, the same statsmodels logit, nearest neighbour with merge_asof within cohorts and
             the caliper, the matched DiD of weekly self-sufficiency at the four horizons): fewer outputs than the
             analysis (no hours, curves, balance, subgroups or naive comparison), so the comparison favours pandas.
             It runs on all participants and --pandas-pool pool persons (a whole 500,000-person panel as pandas
             objects does not fit in 4 GB); its time is scaled to the full pool by the number of status rows read,
             which is stated beside the figure.

Targets: analysis under 30 s on 2 cores, at least 10x the pandas version, peak memory under 4 GB.

Wall-clock figures depend on what else the machine runs: on the shared two-core development machine the same
analysis of a 200,000-person pool took 4.8 s at a quiet moment and 21.3 s with a load average of 4 (docs/effect.md,
"National scale", has the figures).
"""

import argparse
import datetime
import json
import multiprocessing
import resource
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

FIRST_WEEK = datetime.date(2020, 1, 6)
AS_OF = datetime.date(2025, 1, 1)


def rss_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def setup_django():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
    django.setup()


def generate(directory, participants, pool, weeks, seed):
    setup_django()
    from jobbro.effect import synthetic

    parts = synthetic.make_participants(participants, first_week=FIRST_WEEK, weeks=weeks, seed=seed)
    started = time.perf_counter()
    delivery = synthetic.write_delivery(
        directory / "delivery", parts, pool=pool, first_week=FIRST_WEEK, weeks=weeks, seed=seed
    )
    parts.to_parquet(directory / "participants.parquet")
    (directory / "delivery.json").write_text(
        json.dumps({"rows": delivery.rows, "seconds": time.perf_counter() - started})
    )


def pandas_estimate(delivery, participants, codes, pool_persons, seed):
    """The matched DiD of weekly self-sufficiency in plain pandas (see the docstring); returns (estimates, rows)."""
    import numpy as np
    import pandas as pd
    import pyarrow.dataset as ds
    import statsmodels.api as sm

    from jobbro.effect import analysis

    keys = set(participants.person_key)
    pool_keys = sorted(k for k in ds.dataset(delivery / "persons.parquet").to_table(columns=["person_key"])
                       .column(0).to_pylist() if k not in keys)[:pool_persons]  # fmt: skip
    wanted = keys | set(pool_keys)
    persons = pd.read_parquet(delivery / "persons.parquet")
    persons = persons[persons.person_key.isin(wanted)]
    status = pd.read_parquet(delivery / "status.parquet")
    status = status[status.person_key.isin(wanted)]
    rows = len(status)
    # Week numbers YYYYWW to panel indices.
    mondays = [FIRST_WEEK + datetime.timedelta(weeks=i) for i in range(260)]
    index = {d.isocalendar()[0] * 100 + d.isocalendar()[1]: i for i, d in enumerate(mondays)}
    status["i"] = status.week.map(index)
    status["category"] = status.benefit_code.map(codes).fillna("other")
    status["benefit"] = ~status.category.isin(analysis.SELF_SUFFICIENT)
    parts = participants.copy()
    parts["anchor"] = [(pd.Timestamp(d).date() - FIRST_WEEK).days // 7 for d in parts.start_week]
    parts["cohort"] = pd.to_datetime(parts.start_week).dt.to_period("Q")
    ref = parts.groupby("cohort").start_week.apply(lambda s: sorted(s)[(len(s) - 1) // 2])
    cohorts = pd.DataFrame(
        {"cohort": ref.index, "anchor": [(pd.Timestamp(d).date() - FIRST_WEEK).days // 7 for d in ref]}
    )
    units = pd.concat(
        [
            parts[["person_key", "cohort", "anchor"]].assign(treated=1),
            pd.DataFrame({"person_key": pool_keys}).merge(cohorts, how="cross").assign(treated=0),
        ],
        ignore_index=True,
    )
    units["unit"] = np.arange(len(units))
    ben = status[status.benefit][["person_key", "i"]]
    cat = status[["person_key", "i", "category"]]
    j = units.merge(ben, on="person_key")
    j["rel"] = j.i - j.anchor
    for y, (lo, hi) in enumerate(((-52, -1), (-104, -53), (-156, -105)), start=1):
        c = j[(j.rel >= lo) & (j.rel <= hi)].groupby("unit").size()
        units[f"w{y}"] = units.unit.map(c).fillna(0) / 52
    units = units.merge(cat.rename(columns={"i": "anchor"}), on=["person_key", "anchor"], how="left")
    units["category"] = units.category.fillna("self_sufficient")
    units = units.merge(persons, on="person_key")
    units["age"] = [
        m.year for m in (pd.Timestamp(FIRST_WEEK) + pd.to_timedelta(units.anchor * 7, unit="D"))
    ] - units.birth_year
    present = set(units.loc[units.treated == 1, "category"])
    units = units[units.category.isin(present)]
    x = pd.get_dummies(
        units[["age", "w1", "w2", "w3", "sex", "origin", "category", "municipality_code", "cohort"]].astype(
            {"cohort": str}
        ),
        columns=["sex", "origin", "category", "municipality_code", "cohort"],
        drop_first=True,
        dtype=float,
    )
    sample = (units.treated == 1) | (
        np.random.default_rng(seed).random(len(units)) < min(1, 10 * len(parts) / len(units))
    )
    fit = sm.Logit(units.treated[sample].to_numpy(), sm.add_constant(x[sample])).fit(disp=0, maxiter=100)
    units["lp"] = sm.add_constant(x).to_numpy() @ fit.params.to_numpy()
    sd = np.sqrt((units.lp[units.treated == 1].var() + units.lp[units.treated == 0].var()) / 2)
    t = units[units.treated == 1].sort_values("lp")
    c = units[units.treated == 0].sort_values("lp")[["cohort", "lp", "unit"]].rename(columns={"unit": "c", "lp": "clp"})
    m = pd.merge_asof(t, c, left_on="lp", right_on="clp", by="cohort", direction="nearest")
    m = m[(m.lp - m.clp).abs() <= 0.2 * sd]
    # Weekly self-sufficiency of the matched units around their anchors.
    sel = units[units.unit.isin(set(m.unit) | set(m.c))][["unit", "person_key", "anchor"]]
    grid = sel.merge(pd.DataFrame({"rel": np.arange(-52, 105)}), how="cross")
    grid["i"] = grid.anchor + grid.rel
    grid = grid[(grid.i >= 0) & (grid.i < 260)]
    b = ben.assign(on=1).drop_duplicates(["person_key", "i"])
    grid = grid.merge(b, on=["person_key", "i"], how="left")
    grid["ss"] = 1 - grid.on.fillna(0)
    pre = grid[(grid.rel < 0)].groupby("unit").ss.mean()
    out = {}
    for h in (13, 26, 52, 104):
        y = grid[grid.rel == h].set_index("unit").ss - pre
        d = pd.DataFrame({"yt": m.unit.map(y), "yc": m.c.map(y)}).dropna()
        out[h] = float((d.yt - d.yc).mean())
    return out, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=500_000)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "effect")
    parser.add_argument("--pandas-pool", type=int, default=20_000, help="pool persons for the pandas version")
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args()

    directory = args.dir / f"p{args.participants}-q{args.pool}-w{args.weeks}-s{args.seed}"
    if not (directory / "delivery.json").exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        print(f"generating the delivery in {directory} (once) ...", flush=True)
        child = multiprocessing.get_context("spawn").Process(
            target=generate, args=(directory, args.participants, args.pool, args.weeks, args.seed)
        )
        child.start()
        child.join()
        if child.exitcode:
            sys.exit("generation failed")
    info = json.loads((directory / "delivery.json").read_text())
    print(
        f"delivery: {args.participants:,} participants + {args.pool:,} pool persons × {args.weeks} weeks; "
        f"rows: persons {info['rows']['persons']:,}, status {info['rows']['status']:,} (weeks on a benefit or SU; "
        f"a week without a row is self-sufficient), hours {info['rows']['hours']:,}; generated in {info['seconds']:.0f} s"
    )

    setup_django()
    import pandas as pd

    from jobbro.effect import analysis, panels, synthetic

    codes = synthetic.default_codes()
    register = directory / "register"
    shutil.rmtree(register, ignore_errors=True)
    started = time.perf_counter()
    for kind in panels.KINDS:
        t = time.perf_counter()
        summary = panels.import_delivery(
            register, kind, directory / "delivery" / f"{kind}.parquet", known_codes=set(codes)
        )
        print(f"  import {kind:8} {time.perf_counter() - t:6.1f} s  {summary.rows:,} rows")
    import_seconds = time.perf_counter() - started
    participants = pd.read_parquet(directory / "participants.parquet")
    con = panels.connect(register)
    timings = {}
    started = time.perf_counter()
    result = analysis.analyse(
        con, participants, design="register_comparison", as_of=AS_OF, codes=codes, seed=args.seed, timings=timings
    )
    total = time.perf_counter() - started
    con.close()
    peak = rss_gb()
    match = timings.get("propensity", 0) + timings.get("match", 0)
    estimate = sum(timings.get(k, 0) for k in ("naive", "balance", "estimate", "curves"))
    print(f"\n{'figure':34} {'measured':>12}   target")
    print(f"{'import (3 kinds)':34} {import_seconds:10.1f} s")
    print(f"{'  scan status into bit strings':34} {timings.get('scan', 0):10.1f} s")
    print(f"{'  covariates of all units':34} {timings.get('covariates', 0):10.1f} s")
    print(f"{'  match (logit + nearest neighbour)':34} {match:10.1f} s")
    print(f"{'  estimate (naive, balance, DiD, curves)':34} {estimate:10.1f} s")
    print(f"{'analysis total':34} {total:10.1f} s   < 30 s   {'ok' if total < 30 else 'OVER'}")
    print(f"{'peak RSS (import + analysis)':34} {peak:10.2f} GB  < 4 GB   {'ok' if peak < 4 else 'OVER'}")
    est = {(e["outcome"], e["horizon"]): e for e in result.estimates}
    print(f"\ncounts: {result.counts}")
    for h in analysis.HORIZONS:
        e = est.get(("self_sufficient", h))
        if e:
            print(
                f"  self-sufficient at {h:3} weeks: DiD {e['difference']:+.3f} "
                f"[{e['ci_low']:+.3f}, {e['ci_high']:+.3f}]  n {e['n_programme']:,}/{e['n_comparison']:,}"
            )
    worst = max((abs(b["smd_after"]) for b in result.balance if b["smd_after"] is not None), default=None)
    print(f"  largest |SMD| after matching: {worst:.3f}" if worst is not None else "  no balance table")
    if args.no_pandas:
        return
    started = time.perf_counter()
    pandas_out, rows = pandas_estimate(directory / "delivery", participants, codes, args.pandas_pool, args.seed)
    seconds = time.perf_counter() - started
    scale = info["rows"]["status"] / rows
    scaled = seconds * scale
    print(
        f"\npandas on all participants + {args.pandas_pool:,} pool persons ({rows:,} status rows): {seconds:.1f} s; "
        f"scaled by status rows ×{scale:.1f}: {scaled:.0f} s"
    )
    print("  pandas DiD self-sufficient: " + ", ".join(f"{h} w {v:+.3f}" for h, v in pandas_out.items()))
    print(
        f"{'speed-up (pandas scaled / analysis)':34} {scaled / total:10.1f} x  >= 10 x  {'ok' if scaled / total >= 10 else 'UNDER'}"
    )
    print(f"{'peak RSS (with pandas)':34} {rss_gb():10.2f} GB")


if __name__ == "__main__":
    main()
