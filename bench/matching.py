"""The matching engine on a synthetic network: ranking speed, assignment speed and optimality, and placements.

    .venv/bin/python bench/matching.py                  # 10,000 citizens × 10,000 openings, seed 2026
    .venv/bin/python bench/matching.py 2000 2000        # other sizes
    .venv/bin/python bench/matching.py --no-dense       # skip scipy's dense check (it needs n × m × 8 bytes)
    .venv/bin/python bench/matching.py --crowded 33793 2956 --keep 20   # the crowded network's size, the k
    JOBBRO_DATA_DIR=var/bench/pages100k .venv/bin/python bench/matching.py --database      # on a real database

The network is built from a fixed seed (numpy's default generator): citizens and openings spread over East
Jutland, with restrictions, hours, Danish levels, working days, job goals, wishes in words, traffic lights;
companies with buddies, social-economic ones and a record of paid hours drawn from a true conversion rate.
About 1 % of the pairs pass the hard constraints.

A *hidden compatibility* decides whether a placement would succeed: a probability per pair from the true
goal fit, the company's true conversion rate (the engine only sees its small-sample record), buddy, stepping
stone, distance, an earlier failure at the company, and a pair-specific part the engine cannot see at all.
The expected number of successful placements of an assignment is the sum of its pairs' probabilities.

Printed: time to rank 10,000 openings for one citizen and 10,000 citizens for one opening (median and worst
of 50), time to find and score the feasible pairs, time for the optimal assignment (OR-Tools min-cost flow)
against scipy.optimize.linear_sum_assignment on the dense matrix and against greedy first-fit, with the
three objective values, and the expected successful placements of the optimal assignment against greedy
first-fit and a random feasible assignment.

Then the pruned assignment the application runs (services.compute_assignment): each citizen's and each opening's k
best feasible pairs (engine.pruned_pairs, block by block), then the optimum over those. Printed for the network
above and for a *crowded* one where about 60 % of the pairs are feasible, as in the 100,000-citizen demo (33,793
waiting citizens × 2,956 small jobs there): time and peak memory (the process's peak resident memory while it
runs, reset before it, and how far that is above what the process held before), and how far the pruned optimum's
objective is below the optimum over all feasible pairs, for several k — on the network above, and on a sample of
the crowded kind small enough for the exact solver on all its pairs.

With --database, the application's own figures on the database named by JOBBRO_DATA_DIR / JOBBRO_DATABASE_URL (a
100,000-citizen demo: `manage.py load_demo --citizens 100000`), for its largest programme: the assignment run's
computation (services.compute_assignment: load, prune, solve; it only reads), time per phase, CPU and peak memory,
median of --repeat; then a waiting citizen's matching page as their job broker sees it (django.test.Client, in
process; each request writes its read-log row, as reading the page does): bytes, time, the "why not" entries on
it and in all, and turning the why-not list's page with HTMX (--no-page leaves the page out: the run only reads).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")

from jobbro.matching import engine  # noqa: E402  (pure numpy: no Django set-up needed)

SEED = 2026
CODES = np.array(
    [
        4110,
        4321,
        5120,
        5131,
        5153,
        5223,
        5311,
        5322,
        7115,
        8322,
        9111,
        9112,
        9214,
        9313,
        9329,
        9333,
        9411,
        9412,
        9622,
        9629,
    ],
    dtype=np.int32,
)
HOURS_CITIZEN = np.array([4, 6, 8, 10, 12, 15, 20, 25, 30, 37], dtype=np.float32)
HOURS_CITIZEN_P = np.array([0.12, 0.16, 0.17, 0.16, 0.12, 0.10, 0.08, 0.05, 0.03, 0.01])
VOCABULARY = 400
N_REQUIREMENTS = 8
LAT0, LAT1, LON0, LON1 = 55.95, 56.60, 9.55, 10.75  # Aarhus, Randers, Silkeborg, Djursland


def _bits(rng, n, p, width):
    """n bitmasks, each of `width` bits set independently with probability p (p may be per bit)."""
    on = rng.random((n, width)) < np.asarray(p)
    return (on * (1 << np.arange(width))).sum(axis=1)


def _words(rng, n, low, high):
    counts = rng.integers(low, high + 1, n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    # A Zipf-like vocabulary: some words are common.
    indices = np.minimum(rng.zipf(1.3, indptr[-1]) - 1, VOCABULARY - 1)
    m = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n, VOCABULARY))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def build(n, m, seed=SEED):
    rng = np.random.default_rng(seed)
    # --- citizens ---
    n_goals = rng.integers(1, 4, n)
    goals = np.full((n, 3), -1, np.int32)
    weights = np.zeros((n, 3), np.float32)
    for k in range(3):
        has = n_goals > k
        goals[has, k] = rng.choice(CODES, has.sum())
        weights[has, k] = np.where(k == 0, 1.0, engine.WISH_FACTOR)
    days = _bits(rng, n, [0.3, 0.4, 0.4, 0.35, 0.3, 0.1, 0.08], 7).astype(np.uint8)
    citizens = engine.Citizens(
        hours=rng.choice(HOURS_CITIZEN, n, p=HOURS_CITIZEN_P),
        forbidden=_bits(rng, n, [0.45, 0.35, 0.45, 0.4, 0.3, 0.45, 0.0, 0.0], N_REQUIREMENTS).astype(np.uint16),
        danish=np.where(rng.random(n) < 0.3, 0, rng.integers(1, 6, n)).astype(np.int8),
        days=days,
        goals=goals,
        goal_weights=weights,
        light=rng.choice(np.array([0, 1, 2], np.int8), n, p=[0.35, 0.40, 0.25]),
        lat=rng.uniform(LAT0, LAT1, n).astype(np.float32),
        lon=rng.uniform(LON0, LON1, n).astype(np.float32),
        words=_words(rng, n, 0, 3),
    )
    # --- companies and openings ---
    n_companies = max(1, m // 5)
    true_rate = rng.beta(2.0, 3.0, n_companies)  # how often the company really turns an intern into paid hours
    placed = rng.poisson(3.0, n_companies)
    paid = rng.binomial(placed, true_rate)
    social = rng.random(n_companies) < 0.10
    c_lat = rng.uniform(LAT0, LAT1, n_companies).astype(np.float32)
    c_lon = rng.uniform(LON0, LON1, n_companies).astype(np.float32)
    company = rng.integers(0, n_companies, m).astype(np.int32)
    o_days = np.zeros(m, np.uint8)
    for _ in range(3):
        o_days |= (1 << rng.choice(7, m, p=[0.2, 0.2, 0.2, 0.2, 0.12, 0.05, 0.03])).astype(np.uint8)
    openings = engine.Openings(
        hours=rng.choice(np.array([4, 5, 6, 8, 10, 12, 15, 20, 25, 30], np.float32), m),
        requires=_bits(rng, m, [0.45, 0.35, 0.6, 0.4, 0.3, 0.45, 0.2, 0.25], N_REQUIREMENTS).astype(np.uint16),
        danish=np.where(rng.random(m) < 0.5, rng.integers(2, 5, m), 0).astype(np.int8),
        days=o_days,
        code=rng.choice(CODES, m),
        company=company,
        social=social[company],
        buddy=rng.random(m) < 0.5,
        paid=paid[company].astype(np.float32),
        placed=placed[company].astype(np.float32),
        lat=c_lat[company],
        lon=c_lon[company],
        capacity=np.ones(m, np.int32),
        words=_words(rng, m, 3, 7),
        n_companies=n_companies,
    )
    # Earlier failed placements: a few (citizen, company) pairs.
    k = n // 20
    failed = list(
        zip(
            rng.integers(0, n, k).tolist(),
            rng.integers(0, n_companies, k).tolist(),
            [engine.F_FAILED_BEFORE] * k,
            strict=True,
        )
    )
    flags = engine.PairFlags.build(n_companies=n_companies, n_openings=m, company=failed)
    hidden = {"true_rate": true_rate, "citizen": rng.normal(0.0, 0.5, n), "seed": seed}
    return citizens, openings, flags, hidden


def _pair_noise(rows, cols, seed):
    """A pair-specific uniform(-1, 1) the engine never sees (a splitmix64 hash of the pair)."""
    x = (rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (cols.astype(np.uint64) + np.uint64(seed))
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53) * 2.0 - 1.0


def success_probability(citizens, openings, flags, hidden, rows, cols):
    """The hidden compatibility: the chance that placing citizen rows[k] in opening cols[k] succeeds."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    if not len(rows):
        return np.zeros(0)
    with np.errstate(all="ignore"):
        parts = engine.components(citizens, rows, openings, cols, flags)
    goal = parts["goal"]
    rate = hidden["true_rate"][openings.company[cols]]
    dist = np.nan_to_num(parts["distance_km"], nan=15.0)
    logit = (
        -2.2
        + 2.4 * goal
        + 0.6 * parts["words"]
        + 3.0 * (rate - 0.4)
        + 0.5 * parts["buddy"]
        + 0.8 * parts["stepping_stone"]
        - 0.04 * dist
        - 1.5 * parts["failed_before"]
        - 0.4 * (citizens.light[rows] == engine.RED)
        + hidden["citizen"][rows]
        + 1.2 * _pair_noise(rows, cols, hidden["seed"])
    )
    return 1.0 / (1.0 + np.exp(-logit))


def crowded(n, m, seed=SEED):
    """The same kind of network where about 60 % of the pairs pass the hard constraints: few restrictions, citizens
    who work most weekdays and more hours, small jobs on one or two weekdays for fewer hours, 1 or 2 places each."""
    citizens, openings, flags, hidden = build(n, m, seed)
    rng = np.random.default_rng(seed + 7)
    citizens.forbidden[:] = _bits(rng, n, [0.16] * 6 + [0.0, 0.0], N_REQUIREMENTS)
    citizens.days[:] = _bits(rng, n, [0.97, 0.97, 0.97, 0.97, 0.95, 0.4, 0.3], 7)
    citizens.hours[:] = rng.choice(np.array([10, 12, 15, 20, 25, 30, 37], np.float32), n)
    openings.requires[:] = _bits(rng, m, [0.3] * 6 + [0.2, 0.25], N_REQUIREMENTS)
    openings.days[:] = (1 << rng.choice(5, m)) | (1 << rng.choice(5, m))
    openings.danish[:] = np.where(rng.random(m) < 0.35, rng.integers(2, 4, m), 0)
    openings.hours[:] = rng.choice(np.array([4, 5, 6, 8, 10, 12, 15], np.float32), m)
    openings.capacity[:] = rng.integers(1, 3, m)
    return citizens, openings, flags, hidden


def _memory_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def with_peak_memory(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds, peak resident MB while it ran, resident MB before). Linux: the peak is
    reset through /proc/self/clear_refs first."""
    before = _memory_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    result, wall, cpu = timed(fn, *args, **kwargs)
    return result, wall, cpu, _memory_kb("VmHWM") / 1024, before / 1024


def pruned_assignment(citizens, openings, flags, keep):
    candidates = engine.pruned_pairs(citizens, openings, flags, keep=keep)
    result = engine.assign(len(citizens), openings.capacity, candidates.rows, candidates.cols, candidates.scores)
    return candidates, result


def gap(pruned, full):
    """How far the pruned optimum is below the full one, in per cent of the full one."""
    return 100.0 * (full.objective - pruned.objective) / full.objective if full.objective else 0.0


def measure_database(repeat, page=True):
    """The application's assignment computation and a waiting citizen's matching page on the configured database."""
    import django

    os.environ.setdefault("JOBBRO_ALLOWED_HOSTS", "testserver")  # django.test.Client's host name
    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from jobbro.accounts.models import Programme
    from jobbro.matching import services

    programme = Programme.objects.annotate(n=Count("enrolments")).order_by("-n").first()
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}; programme {programme.name}")
    runs = []
    for _ in range(repeat):
        marks = []

        def phase(name, marks=marks):
            marks.append((name, time.perf_counter(), time.process_time()))

        result, wall, cpu, peak, before = with_peak_memory(services.compute_assignment, programme, phase=phase)
        marks.append(("done", time.perf_counter(), time.process_time()))
        spans = {
            a: (b_wall - a_wall, b_cpu - a_cpu)
            for (a, a_wall, a_cpu), (_b, b_wall, b_cpu) in zip(marks, marks[1:], strict=False)
        }
        runs.append((wall, cpu, peak, before, spans))
        print(
            f"  assignment run: {wall:.2f} s wall, {cpu:.2f} s CPU (wall/CPU: load {spans['loading'][0]:.2f}/"
            f"{spans['loading'][1]:.2f} s, prune {spans['scoring'][0]:.2f}/{spans['scoring'][1]:.2f} s, solve "
            f"{spans['solving'][0]:.2f}/{spans['solving'][1]:.2f} s); peak memory {peak:,.0f} MB "
            f"(+{peak - before:,.0f} MB over the {before:,.0f} MB before)"
        )
    med = np.median([r[0] for r in runs]), np.median([r[1] for r in runs]), max(r[2] for r in runs)
    print(
        f"Assignment run, median of {repeat}: {med[0]:.2f} s wall, {med[1]:.2f} s CPU, highest peak {med[2]:,.0f} MB; "
        f"{result.citizens:,} waiting citizens × {result.openings:,} small jobs with {result.places:,} free places, "
        f"{result.feasible:,} feasible pairs ({result.feasible / max(1, result.citizens * result.openings):.0%}), "
        f"{result.candidates:,} kept, {len(result.pairs):,} pairs proposed, "
        f"objective {sum(score for _e, _o, score in result.pairs):,.1f}"
    )

    if not page:
        return
    # A waiting citizen's matching page, as their job broker sees it.
    enrolment = services.waiting_enrolments(programme).filter(job_broker__isnull=False).order_by("pk").first()
    url = reverse("citizen_matches", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    client = Client()
    client.force_login(enrolment.job_broker)
    timings, size, response = [], 0, None
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        size = len(response.content)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    ranked, on_page = html.count("<tr data-opening="), html.count("<li data-opening=")
    in_all = int(html.split('id="why-not-list" data-count="', 1)[1].split('"', 1)[0])
    turns = []
    for _ in range(repeat):
        started = time.perf_counter()
        turned = client.get(url, {"why_page": 2}, headers={"HX-Request": "true"})
        turns.append(time.perf_counter() - started)
    print(
        f"Matching page of a waiting citizen ({ranked} ranked small jobs): {size:,} bytes, "
        f"{np.median(timings[1:]):.2f} s median of {repeat} (first {timings[0]:.2f} s); why-not list: "
        f"{on_page} entries of {in_all:,} on the page; the next 25 with HTMX: "
        f"{len(turned.content):,} bytes, {np.median(turns):.2f} s"
    )


def timed(fn, *args, **kwargs):
    """(result, wall-clock seconds, CPU seconds of this process): on a shared machine the CPU time is the steadier."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def greedy_by_score(n, capacity, rows, cols, scores):
    """For comparison: the best-scoring pairs first, as long as the citizen and a place are free."""
    order = np.lexsort((cols, rows, -np.asarray(scores)))
    left, taken = np.array(capacity, np.int64), np.zeros(n, bool)
    out = []
    for p in order.tolist():
        i, j = rows[p], cols[p]
        if not taken[i] and left[j] > 0:
            taken[i] = True
            left[j] -= 1
            out.append(p)
    out = np.array(out, np.int64)
    s = np.asarray(scores)[out]
    return engine.Assignment(rows[out], cols[out], s, int(engine.integer_scores(s).sum()))


def ms(seconds):
    return f"{np.median(seconds) * 1000:6.2f} ms median, {max(seconds) * 1000:6.2f} ms worst"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("citizens", nargs="?", type=int, default=10_000)
    parser.add_argument("openings", nargs="?", type=int, default=10_000)
    parser.add_argument("--no-dense", action="store_true", help="skip scipy's dense linear_sum_assignment")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--crowded", nargs=2, type=int, default=(33_793, 2_956), metavar=("CITIZENS", "OPENINGS"), help="crowded size"
    )
    parser.add_argument("--keep", type=int, default=20, help="k: each one's best pairs kept (the setting's default)")
    parser.add_argument("--database", action="store_true", help="measure the application on the configured database")
    parser.add_argument("--repeat", type=int, default=3, help="with --database: runs of each measurement")
    parser.add_argument("--no-page", action="store_true", help="with --database: only the run (reads, writes nothing)")
    args = parser.parse_args()
    if args.database:
        measure_database(args.repeat, page=not args.no_page)
        return
    n, m = args.citizens, args.openings

    started = time.perf_counter()
    citizens, openings, flags, hidden = build(n, m, args.seed)
    print(
        f"Synthetic network (seed {args.seed}): {n:,} citizens, {m:,} openings, "
        f"{openings.n_companies:,} companies; built in {time.perf_counter() - started:.2f} s"
    )

    # --- ranking ---
    rng = np.random.default_rng(args.seed + 1)
    engine.rank_openings(citizens, 0, openings, flags, limit=50)  # warm up
    engine.rank_citizens(citizens, openings, 0, flags, limit=50)
    wall_c, cpu_c, wall_o, cpu_o = [], [], [], []
    for i in rng.integers(0, n, 50).tolist():
        _r, w, c = timed(engine.rank_openings, citizens, i, openings, flags, limit=50)
        wall_c.append(w)
        cpu_c.append(c)
    for j in rng.integers(0, m, 50).tolist():
        _r, w, c = timed(engine.rank_citizens, citizens, openings, j, flags, limit=50)
        wall_o.append(w)
        cpu_o.append(c)
    print(f"Rank {m:,} openings for one citizen (50 citizens; target < 20 ms):")
    print(f"    wall {ms(wall_c)};  CPU {ms(cpu_c)}")
    print(f"Rank {n:,} citizens for one opening (50 openings):")
    print(f"    wall {ms(wall_o)};  CPU {ms(cpu_o)}")

    # --- the feasible pairs ---
    (rows, cols, scores), w_pairs, c_pairs = timed(engine.feasible_pairs, citizens, openings, flags)
    print(
        f"Feasible pairs: {len(rows):,} of {n * m:,} ({len(rows) / (n * m):.2%}), "
        f"found and scored in {w_pairs:.2f} s wall, {c_pairs:.2f} s CPU"
    )
    capacity = openings.capacity

    # --- the assignments ---
    optimal, w_flow, c_flow = timed(engine.assign, n, capacity, rows, cols, scores)
    greedy, w_greedy, c_greedy = timed(engine.greedy_first_fit, n, capacity, rows, cols, scores)
    by_score, w_by_score, c_by_score = timed(greedy_by_score, n, capacity, rows, cols, scores)
    random_assignments = [
        engine.greedy_first_fit(n, capacity, rows, cols, scores, rng=np.random.default_rng(s)) for s in range(5)
    ]
    print()
    print(f"{'assignment':<40}{'wall':>9}{'CPU':>9}{'pairs':>8}{'objective (sum of scores)':>28}")

    def line(label, a, w=None, c=None):
        times = f"{w:>8.2f}s{c:>8.2f}s" if w is not None else f"{'':>18}"
        print(f"{label:<40}{times}{len(a.rows):>8,}{a.objective / engine.FLOW_SCALE:>28,.1f}")

    line("engine: OR-Tools min-cost flow", optimal, w_flow, c_flow)
    dense = None
    if not args.no_dense:
        dense, w_dense, c_dense = timed(engine.assign_dense, n, capacity, rows, cols, scores)
        line("scipy linear_sum_assignment (dense)", dense, w_dense, c_dense)
    line("greedy first-fit", greedy, w_greedy, c_greedy)
    line("(greedy by score, for reference)", by_score, w_by_score, c_by_score)
    random_objective = np.mean([a.objective for a in random_assignments]) / engine.FLOW_SCALE
    random_pairs = np.mean([len(a.rows) for a in random_assignments])
    print(f"{'random feasible (mean of 5)':<40}{'':>18}{random_pairs:>8,.0f}{random_objective:>28,.1f}")
    if dense is not None:
        verdict = "yes" if optimal.objective == dense.objective else "NO"
        print(
            f"Optimum equals the dense optimum on the same feasible pairs: {verdict} "
            f"({optimal.objective:,} and {dense.objective:,} in integer score units of 1/{engine.FLOW_SCALE})"
        )
    print(
        f"Optimal assignment: {w_flow:.2f} s wall, {c_flow:.2f} s CPU (target < 2 s); with finding and scoring "
        f"the pairs {w_flow + w_pairs:.2f} s wall, {c_flow + c_pairs:.2f} s CPU"
    )

    # --- placements on the hidden compatibility ---
    def expected(a):
        return float(success_probability(citizens, openings, flags, hidden, a.rows, a.cols).sum())

    e_opt = expected(optimal)
    e_greedy = expected(greedy)
    e_random = float(np.mean([expected(a) for a in random_assignments]))
    e_by_score = expected(by_score)
    print()
    print("Expected successful placements (hidden compatibility):")
    print(f"  engine (optimal assignment): {e_opt:8,.0f}  ({e_opt / max(1, len(optimal.rows)):.1%} of its pairs)")
    print(f"  greedy first-fit:            {e_greedy:8,.0f}  ({e_greedy / max(1, len(greedy.rows)):.1%} of its pairs)")
    print(f"  random feasible (mean of 5): {e_random:8,.0f}  ({e_random / max(1, random_pairs):.1%} of its pairs)")
    print(
        f"  (greedy by score:            {e_by_score:8,.0f}  ({e_by_score / max(1, len(by_score.rows)):.1%} of its pairs))"
    )
    print(
        f"  the engine places {e_opt - e_greedy:+,.0f} ({e_opt / e_greedy - 1:+.0%}) more than greedy first-fit "
        f"and {e_opt - e_random:+,.0f} ({e_opt / e_random - 1:+.0%}) more than random"
    )

    # --- the pruned assignment ---
    keep = args.keep
    print()
    print(
        f"Pruned assignment: each citizen's and each opening's {keep} best feasible pairs, then the optimum over those"
    )
    print(
        f"{'network':<34}{'feasible pairs':>22}{'kept':>10}{'wall':>8}{'CPU':>8}{'peak memory':>24}"
        f"{'objective':>14}{'below full':>12}"
    )

    def pruned_line(label, network, full=None):
        c, o, f = network
        (candidates, result), wall, cpu, peak, before = with_peak_memory(pruned_assignment, c, o, f, keep)
        share = candidates.feasible / (len(c) * len(o))
        below = f"{gap(result, full):>11.2f}%" if full is not None else f"{'':>12}"
        print(
            f"{label:<34}{candidates.feasible:>13,} ({share:>5.1%}){len(candidates):>10,}{wall:>7.2f}s{cpu:>7.2f}s"
            f"{peak:>9,.0f} MB (+{peak - before:,.0f} MB){result.objective / engine.FLOW_SCALE:>14,.1f}{below}"
        )

    pruned_line(f"{n:,} × {m:,} (as above)", (citizens, openings, flags), optimal)
    del rows, cols, scores, optimal, dense, greedy, by_score, random_assignments
    big_n, big_m = args.crowded
    crowded_network = crowded(big_n, big_m, args.seed)[:3]
    pruned_line(f"crowded {big_n:,} × {big_m:,}", crowded_network)
    del crowded_network

    # --- how much pruning costs, against the optimum over all feasible pairs ---
    ks = sorted({5, 10, keep, 40})
    print()
    print("The pruned optimum's objective below the optimum over all feasible pairs (exact, OR-Tools on all pairs):")
    print(f"{'network':<34}" + "".join(f"{'k = ' + str(k):>11}" for k in ks))
    sample_n, sample_m = 3_000, 300
    for label, (c, o, f, _hidden) in (
        (f"{n:,} × {m:,} (as above)", (citizens, openings, flags, None)),
        (f"crowded sample {sample_n:,} × {sample_m:,}", crowded(sample_n, sample_m, args.seed)),
    ):
        all_rows, all_cols, all_scores = engine.feasible_pairs(c, o, f)
        full = engine.assign(len(c), o.capacity, all_rows, all_cols, all_scores)
        gaps = [gap(pruned_assignment(c, o, f, k)[1], full) for k in ks]
        print(f"{label:<34}" + "".join(f"{g:>10.3f}%" for g in gaps))


if __name__ == "__main__":
    main()
