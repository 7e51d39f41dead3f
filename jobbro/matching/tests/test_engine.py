"""The pure matching engine: hard constraints, scores, ranking, and the optimal assignment (no database)."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from jobbro.matching import engine, geo

# --- Building small networks -------------------------------------------------------------------------


def citizens(n=1, **overrides):
    base = {
        "hours": np.full(n, 20.0, np.float32),
        "forbidden": np.zeros(n, np.uint16),
        "danish": np.zeros(n, np.int8),
        "days": np.full(n, engine.ALL_DAYS, np.uint8),
        "goals": np.full((n, 2), -1, np.int32),
        "goal_weights": np.zeros((n, 2), np.float32),
        "light": np.full(n, engine.YELLOW, np.int8),
        "lat": np.full(n, np.nan, np.float32),
        "lon": np.full(n, np.nan, np.float32),
    }
    for key, value in overrides.items():
        base[key] = np.asarray(value, dtype=base[key].dtype if key in base else None)
    return engine.Citizens(**base)


def openings(m=1, **overrides):
    base = {
        "hours": np.full(m, 8.0, np.float32),
        "requires": np.zeros(m, np.uint16),
        "danish": np.zeros(m, np.int8),
        "days": np.full(m, 1, np.uint8),
        "code": np.full(m, -1, np.int32),
        "company": np.arange(m, dtype=np.int32),
        "social": np.zeros(m, bool),
        "buddy": np.zeros(m, bool),
        "paid": np.zeros(m, np.float32),
        "placed": np.zeros(m, np.float32),
        "lat": np.full(m, np.nan, np.float32),
        "lon": np.full(m, np.nan, np.float32),
        "capacity": np.ones(m, np.int32),
    }
    for key, value in overrides.items():
        base[key] = np.asarray(value, dtype=base[key].dtype if key in base else None)
    return engine.Openings(**base)


def only_pair_feasible(c, o, flags=None):
    v, _score = engine.evaluate(c, np.asarray(0), o, np.asarray(0), flags)
    return int(v)


# --- Each hard constraint excludes -------------------------------------------------------------------

PORK, VACUUM = 1 << 3, 1 << 1


def test_a_forbidden_requirement_excludes():
    c = citizens(forbidden=[PORK])
    assert only_pair_feasible(c, openings(requires=[PORK | VACUUM])) & engine.V_REQUIREMENT
    assert only_pair_feasible(c, openings(requires=[VACUUM])) == 0


def test_hours_above_capacity_exclude():
    c = citizens(hours=[10.0])
    assert only_pair_feasible(c, openings(hours=[10.5])) & engine.V_HOURS
    assert only_pair_feasible(c, openings(hours=[10.0])) == 0  # exactly the capacity fits


def test_a_danish_level_below_the_required_excludes_but_unknown_does_not():
    o = openings(danish=[3])
    assert only_pair_feasible(citizens(danish=[2]), o) & engine.V_DANISH
    assert only_pair_feasible(citizens(danish=[3]), o) == 0
    assert only_pair_feasible(citizens(danish=[0]), o) == 0  # not assessed: the broker checks


def test_a_day_the_citizen_cannot_work_excludes():
    saturday = 1 << 5
    c = citizens(days=[engine.WEEKDAYS])
    assert only_pair_feasible(c, openings(days=[1 | saturday])) & engine.V_DAYS
    assert only_pair_feasible(c, openings(days=[1 | 2])) == 0


def test_a_maximum_distance_excludes_when_set():
    aarhus, randers = geo.centroid("8000"), geo.centroid("8900")
    c = citizens(lat=[aarhus[0]], lon=[aarhus[1]])
    o = openings(lat=[randers[0]], lon=[randers[1]])
    assert only_pair_feasible(c, o) == 0  # no maximum: distance is only a soft factor
    c.max_km = np.array([20.0], np.float32)
    assert only_pair_feasible(c, o) & engine.V_DISTANCE


def test_exclusion_flags_exclude_the_opening_or_the_whole_company():
    c = citizens(2)
    o = openings(3, company=[0, 0, 1])
    flags = engine.PairFlags.build(
        n_companies=2, n_openings=3, company=[(0, 0, engine.F_EXCLUDED)], opening=[(1, 2, engine.F_EXCLUDED)]
    )
    v, _s = engine.evaluate(c, np.arange(2)[:, None], o, np.arange(3)[None, :], flags)
    assert (v != 0).tolist() == [[True, True, False], [False, False, True]]


def test_penalties_lower_the_score_but_do_not_exclude():
    c = citizens(goals=[[9412, -1]], goal_weights=[[1, 0]])
    o = openings(2, code=[9412, 9412], company=[0, 1])
    flags = engine.PairFlags.build(n_companies=2, n_openings=2, company=[(0, 1, engine.F_FAILED_BEFORE)])
    idx, scores = engine.rank_openings(c, 0, o, flags)
    assert idx.tolist() == [0, 1]
    assert scores[0] - scores[1] == pytest.approx(engine.PENALTIES["failed_before"])


# --- Scores ------------------------------------------------------------------------------------------


def test_occupation_match_exact_beats_group_beats_nothing():
    c = citizens(goals=[[9412, -1]], goal_weights=[[1, 0]])
    o = openings(4, code=[9412, 9411, 9421, 5120])  # same code, same minor group, same sub-major group, other
    idx, scores = engine.rank_openings(c, 0, o)
    assert idx.tolist() == [0, 1, 2, 3]
    assert scores[0] - scores[3] == pytest.approx(engine.WEIGHTS["goal"] * engine.GOAL_EXACT)
    assert scores[1] - scores[3] == pytest.approx(engine.WEIGHTS["goal"] * engine.GOAL_MINOR_GROUP)
    assert scores[2] - scores[3] == pytest.approx(engine.WEIGHTS["goal"] * engine.GOAL_SUB_MAJOR_GROUP)


def test_stepping_stone_only_for_yellow_and_red():
    o = openings(2, social=[True, False])
    for light, bonus in ((engine.GREEN, 0.0), (engine.YELLOW, 0.7), (engine.RED, 1.0)):
        _v, parts = engine.explain(citizens(light=[light]), 0, o, 0)
        _v, plain = engine.explain(citizens(light=[light]), 0, o, 1)
        assert parts["score"] - plain["score"] == pytest.approx(engine.WEIGHTS["stepping_stone"] * bonus)


def test_company_record_and_buddy_and_distance_raise_the_score():
    aarhus = geo.centroid("8000")
    far = geo.centroid("9000")
    c = citizens(lat=[aarhus[0]], lon=[aarhus[1]])
    o = openings(
        4,
        buddy=[False, True, False, False],
        paid=[0, 0, 4, 0],
        placed=[4, 4, 4, 4],
        lat=[far[0], far[0], far[0], aarhus[0]],
        lon=[far[1], far[1], far[1], aarhus[1]],
    )
    _idx, _s = engine.rank_openings(c, 0, o)
    score = dict(zip(_idx.tolist(), _s.tolist(), strict=True))
    assert score[1] > score[0] and score[2] > score[0] and score[3] > score[0]


def test_distance_between_aarhus_and_randers():
    (a_lat, a_lon), (r_lat, r_lon) = geo.centroid("8000"), geo.centroid("8900")
    assert 30 < float(engine.distance_km(a_lat, a_lon, r_lat, r_lon)) < 40
    assert geo.centroid("1234") == geo.centroid("1000")  # Copenhagen's street postcodes fall back to the district
    assert geo.centroid("0000") is None and geo.centroid("") is None


def test_danish_compound_words_share_a_stem():
    assert engine.stems("Køkkenmedhjælper") & engine.stems("Opvask i køkkenet")
    assert not engine.stems("gerne noget arbejde")  # stop words only


def test_word_overlap_equals_the_sparse_product():
    rng = np.random.default_rng(1)
    cw = sparse.random(30, 25, density=0.15, format="csr", random_state=1)
    ow = sparse.random(40, 25, density=0.2, format="csr", random_state=2)
    cw.data[:] = 1
    ow.data[:] = 1
    r, k = rng.integers(0, 30, 500), rng.integers(0, 40, 500)
    expected = np.asarray((cw @ ow.T).todense())[r, k]
    assert engine.pair_overlap(cw, ow, r, k).tolist() == expected.tolist()


# --- Random networks ---------------------------------------------------------------------------------


@st.composite
def networks(draw, max_n=7, max_m=6):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    codes_ = np.array([9412, 9411, 9333, 5120, 9112], np.int32)
    c = engine.Citizens(
        hours=rng.choice(np.array([5, 8, 10, 15], np.float32), n),
        forbidden=rng.integers(0, 16, n).astype(np.uint16),
        danish=rng.integers(0, 6, n).astype(np.int8),
        days=rng.integers(0, 128, n).astype(np.uint8),
        goals=rng.choice(np.append(codes_, -1), (n, 2)).astype(np.int32),
        goal_weights=rng.choice(np.array([1.0, 0.8], np.float32), (n, 2)),
        light=rng.integers(0, 3, n).astype(np.int8),
        lat=np.where(rng.random(n) < 0.2, np.nan, rng.uniform(56.0, 56.5, n)).astype(np.float32),
        lon=rng.uniform(9.8, 10.4, n).astype(np.float32),
        words=sparse.csr_matrix((rng.random((n, 6)) < 0.3).astype(np.float32)),
        max_km=np.where(rng.random(n) < 0.3, 25.0, np.inf).astype(np.float32),
    )
    n_companies = max(1, m // 2)
    o = engine.Openings(
        hours=rng.choice(np.array([4, 8, 12], np.float32), m),
        requires=rng.integers(0, 16, m).astype(np.uint16),
        danish=rng.integers(0, 4, m).astype(np.int8),
        days=rng.integers(1, 32, m).astype(np.uint8),
        code=rng.choice(np.append(codes_, -1), m).astype(np.int32),
        company=rng.integers(0, n_companies, m).astype(np.int32),
        social=rng.random(m) < 0.3,
        buddy=rng.random(m) < 0.5,
        paid=rng.integers(0, 3, m).astype(np.float32),
        placed=rng.integers(3, 5, m).astype(np.float32),
        lat=rng.uniform(56.0, 56.5, m).astype(np.float32),
        lon=rng.uniform(9.8, 10.4, m).astype(np.float32),
        capacity=rng.integers(1, 3, m).astype(np.int32),
        words=sparse.csr_matrix((rng.random((m, 6)) < 0.4).astype(np.float32)),
        n_companies=n_companies,
    )
    flags = engine.PairFlags.build(
        n_companies=n_companies,
        n_openings=m,
        company=[(int(rng.integers(n)), int(rng.integers(n_companies)), int(rng.choice([1, 2, 4]))) for _ in range(2)],
        opening=[(int(rng.integers(n)), int(rng.integers(m)), engine.F_EXCLUDED)],
    )
    return c, o, flags


def allowed(c, i, o, j, flags):
    """The hard constraints, written out plainly for one pair (independently of the engine's vectorised code)."""
    if int(o.requires[j]) & int(c.forbidden[i]):
        return False
    if float(o.hours[j]) > float(c.hours[i]):
        return False
    if c.danish[i] and o.danish[j] > c.danish[i]:
        return False
    if int(o.days[j]) & ~int(c.days[i]) & engine.ALL_DAYS:
        return False
    d = float(engine.distance_km(c.lat[i], c.lon[i], o.lat[j], o.lon[j]))
    if c.max_km is not None and not np.isnan(d) and d > c.max_km[i]:
        return False
    company_flag = flags.lookup_company(np.int64(i) * o.n_companies + int(o.company[j]))
    opening_flag = flags.lookup_opening(np.int64(i) * len(o) + j)
    return not ((int(company_flag) | int(opening_flag)) & engine.F_EXCLUDED)


@settings(max_examples=150)
@given(networks())
def test_a_constrained_pair_is_never_proposed(network):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags, block=2)
    listed = set(zip(rows.tolist(), cols.tolist(), strict=True))
    expected = {(i, j) for i in range(len(c)) for j in range(len(o)) if allowed(c, i, o, j, flags)}
    assert listed == expected
    assert ((scores >= 0) & (scores <= 100)).all()
    for i in range(len(c)):
        idx, _s = engine.rank_openings(c, i, o, flags, limit=None)
        assert {(i, int(j)) for j in idx} == {p for p in expected if p[0] == i}
    for j in range(len(o)):
        idx, _s = engine.rank_citizens(c, o, j, flags, limit=None)
        assert {(int(i), j) for i in idx} == {p for p in expected if p[1] == j}
    result = engine.assign(len(c), o.capacity, rows, cols, scores)
    assert set(zip(result.rows.tolist(), result.cols.tolist(), strict=True)) <= expected


@settings(max_examples=100)
@given(networks(), st.integers(1, 5))
def test_ranking_is_sorted_limited_and_scores_match_the_pair_list(network, limit):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    by_pair = {(i, j): s for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True)}
    for i in range(len(c)):
        idx, ranked = engine.rank_openings(c, i, o, flags, limit=limit)
        assert len(idx) == min(limit, sum(1 for p in by_pair if p[0] == i))
        assert (np.diff(ranked) <= 1e-9).all()
        for j, s in zip(idx.tolist(), ranked.tolist(), strict=True):
            assert s == pytest.approx(by_pair[(i, j)])
        best = sorted((s for (a, _b), s in by_pair.items() if a == i), reverse=True)[:limit]
        assert ranked.tolist() == pytest.approx(best)


def brute_force(n, capacity, weights):
    """The best total over every assignment (each citizen: nobody or one feasible opening, capacities kept)."""
    options = [[None] + [j for (a, j) in weights if a == i] for i in range(n)]
    best = 0
    for choice in itertools.product(*options):
        used = {}
        total = 0
        for i, j in enumerate(choice):
            if j is None:
                continue
            used[j] = used.get(j, 0) + 1
            total += weights[(i, j)]
        if all(used[j] <= capacity[j] for j in used):
            best = max(best, total)
    return best


@settings(max_examples=150)
@given(networks(max_n=6, max_m=4))
def test_the_assignment_is_optimal_by_brute_force_and_by_the_dense_solver(network):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    weights = dict(
        zip(zip(rows.tolist(), cols.tolist(), strict=True), engine.integer_scores(scores).tolist(), strict=True)
    )
    result = engine.assign(len(c), o.capacity, rows, cols, scores)
    dense = engine.assign_dense(len(c), o.capacity, rows, cols, scores)
    assert result.objective == brute_force(len(c), o.capacity.tolist(), weights) == dense.objective
    # Each citizen at most once, each opening within its capacity, the objective is the pairs' sum.
    assert len(set(result.rows.tolist())) == len(result.rows)
    assert (np.bincount(result.cols, minlength=len(o)) <= o.capacity).all()
    assert result.objective == sum(
        weights[(i, j)] for i, j in zip(result.rows.tolist(), result.cols.tolist(), strict=True)
    )


@settings(max_examples=60)
@given(networks())
def test_greedy_and_random_are_feasible_and_never_better_than_the_optimum(network):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    best = engine.assign(len(c), o.capacity, rows, cols, scores).objective
    feasible = set(zip(rows.tolist(), cols.tolist(), strict=True))
    for other in (
        engine.greedy_first_fit(len(c), o.capacity, rows, cols, scores),
        engine.greedy_first_fit(len(c), o.capacity, rows, cols, scores, rng=np.random.default_rng(3)),
    ):
        assert other.objective <= best
        assert set(zip(other.rows.tolist(), other.cols.tolist(), strict=True)) <= feasible
        assert (np.bincount(other.cols, minlength=len(o)) <= o.capacity).all()
        assert len(set(other.rows.tolist())) == len(other.rows)


def test_nobody_is_forced_into_a_pair_and_capacity_is_shared_out():
    # Two citizens, one opening with one place: the better pair wins, the other citizen stays unassigned.
    result = engine.assign(2, np.array([1]), np.array([0, 1]), np.array([0, 0]), np.array([40.0, 60.0]))
    assert result.rows.tolist() == [1] and result.cols.tolist() == [0]
    # A pair worth 0 is not proposed at all.
    assert len(engine.assign(1, np.array([1]), np.array([0]), np.array([0]), np.array([0.0])).rows) == 0
    # Capacity 2 takes both.
    both = engine.assign(2, np.array([2]), np.array([0, 1]), np.array([0, 0]), np.array([40.0, 60.0]))
    assert sorted(both.rows.tolist()) == [0, 1] and both.objective == 100 * engine.FLOW_SCALE


# --- Candidate pruning -----------------------------------------------------------------------------------


def as_set(rows, cols):
    return set(zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(), strict=True))


@pytest.fixture(params=["whole blocks", "sparse blocks"])
def block_path(request, monkeypatch):
    """Score every block whole, or every block only on the pairs that pass requirements and days."""
    monkeypatch.setattr(engine, "DENSE_BLOCK_SHARE", 0.0 if request.param == "whole blocks" else 2.0)
    return request.param


# The block path is the same for every example: the function-scoped fixture need not be reset between them.
SAME_PATH = [HealthCheck.function_scoped_fixture]


@settings(max_examples=80, deadline=None, suppress_health_check=SAME_PATH)
@given(networks(max_n=8, max_m=5), st.integers(1, 4), st.integers(0, 3))
def test_pruning_with_keep_at_least_the_openings_keeps_every_feasible_pair_and_the_optimum(
    block_path, network, block, extra
):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    pruned = engine.pruned_pairs(c, o, flags, keep=len(o) + extra, block=block)
    assert pruned.rows.tolist() == rows.tolist() and pruned.cols.tolist() == cols.tolist()
    assert pruned.scores.tolist() == scores.tolist(), "the kept pairs carry the exact scores"
    assert pruned.feasible == len(rows)
    full = engine.assign(len(c), o.capacity, rows, cols, scores)
    assert engine.assign(len(c), o.capacity, pruned.rows, pruned.cols, pruned.scores).objective == full.objective


def ranked_best(pairs, keep, by):
    """The `keep` best (by integer score, ties by the other index) of each group, from {(i, j): score}."""
    groups = {}
    for (i, j), s in pairs.items():
        group, other = (i, j) if by == "row" else (j, i)
        groups.setdefault(group, []).append((-int(engine.integer_scores([s])[0]), other))
    out = set()
    for group, listed in groups.items():
        for _s, other in sorted(listed)[:keep]:
            out.add((group, other) if by == "row" else (other, group))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=SAME_PATH)
@given(networks(max_n=12, max_m=8), st.integers(1, 3), st.integers(1, 5), st.integers(1, 3))
def test_pruning_keeps_each_ones_best_and_its_assignment_is_feasible_and_beats_greedy(
    block_path, network, keep, block, threads
):
    c, o, flags = network
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    feasible = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), scores.tolist(), strict=True))
    # Blocks shared among threads choose the same pairs as one thread going through them in order.
    pruned = engine.pruned_pairs(c, o, flags, keep=keep, block=block, threads=threads)
    kept = as_set(pruned.rows, pruned.cols)
    # Exactly the union of each citizen's and each opening's best, and only feasible pairs, with their scores.
    assert kept == ranked_best(feasible, keep, "row") | ranked_best(feasible, keep, "column")
    assert all(s == feasible[p] for p, s in zip(sorted(kept), pruned.scores.tolist(), strict=True))
    result = engine.assign(len(c), o.capacity, pruned.rows, pruned.cols, pruned.scores)
    assert as_set(result.rows, result.cols) <= kept
    assert len(set(result.rows.tolist())) == len(result.rows), "one opening per citizen"
    assert (np.bincount(result.cols, minlength=len(o)) <= o.capacity).all(), "capacities kept"
    greedy = engine.greedy_first_fit(len(c), o.capacity, pruned.rows, pruned.cols, pruned.scores)
    assert result.objective >= greedy.objective
    assert result.objective <= engine.assign(len(c), o.capacity, rows, cols, scores).objective


def test_pruning_keeps_the_pairs_linear_in_citizens_and_openings_on_a_dense_network():
    rng = np.random.default_rng(7)
    n, m, keep = 400, 60, 5
    c = citizens(n, lat=rng.uniform(56.0, 56.5, n), lon=rng.uniform(9.8, 10.4, n), hours=np.full(n, 37.0))
    o = openings(m, lat=rng.uniform(56.0, 56.5, m), lon=rng.uniform(9.8, 10.4, m), capacity=np.full(m, 2))
    progress = []
    pruned = engine.pruned_pairs(c, o, keep=keep, block=50, progress=lambda done, total: progress.append((done, total)))
    assert pruned.feasible == n * m
    assert len(pruned) <= (n + m) * keep
    assert progress[-1] == (n, n) and len(progress) == n // 50
    # Nearest is best here: each citizen's kept openings are its closest ones.
    for i in (0, 17, 399):
        mine = pruned.cols[pruned.rows == i]
        dist = engine.distance_km(c.lat[i], c.lon[i], o.lat, o.lon)
        assert set(mine.tolist()) >= set(np.argsort(dist, kind="stable")[:keep].tolist())


def test_pruning_with_nothing_to_do():
    assert len(engine.pruned_pairs(citizens(0), openings(3), keep=5)) == 0
    assert len(engine.pruned_pairs(citizens(3), openings(0), keep=5)) == 0
    none_fit = engine.pruned_pairs(citizens(3, hours=np.full(3, 2.0)), openings(2), keep=5)
    assert (len(none_fit), none_fit.feasible) == (0, 0)
    with pytest.raises(ValueError):
        engine.pruned_pairs(citizens(1), openings(1), keep=0)


@settings(max_examples=80, deadline=None, suppress_health_check=SAME_PATH)
@given(networks(max_n=10, max_m=6), st.integers(1, 3), st.integers(0, 63))
def test_openings_without_a_free_place_take_nobodys_place_among_the_best(block_path, network, keep, mask):
    c, o, flags = network
    usable = np.array([(mask >> j) & 1 for j in range(len(o))], bool)
    rows, cols, scores = engine.feasible_pairs(c, o, flags)
    feasible = {(i, j): s for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True) if usable[j]}
    pruned = engine.pruned_pairs(c, o, flags, keep=keep, usable=usable, block=3)
    assert as_set(pruned.rows, pruned.cols) == ranked_best(feasible, keep, "row") | ranked_best(
        feasible, keep, "column"
    )
    assert pruned.feasible == len(feasible)
