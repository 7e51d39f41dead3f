"""The matching engine: arrays in, arrays out. No Django here (services.py loads and translates).

Citizens and openings are columns of feature arrays (`Citizens`, `Openings`). A pair is *feasible* when no
hard constraint is violated; hard constraints exclude, they never just lower a score:

    requirements  the opening's task requirements (bitmask) meet none of the citizen's forbidden ones
    hours         the opening's weekly hours are within the citizen's weekly capacity
    danish        the citizen's assessed Danish level reaches the level the opening asks for
                  (a citizen with no Danish assessment is not excluded: 0 = unknown, flagged for the broker)
    days          every day the opening is worked is a day the citizen can work
    distance      the travel distance is within the citizen's maximum (infinite unless set)
    declined      the pair (or the citizen with the company) was declined earlier in a way that excludes it

The *score* of a feasible pair is a weighted sum of soft factors, in [0, 100]; `WEIGHTS` add up to 100 and
the penalties are subtracted (clipped at 0). Every factor is in [0, 1] before weighting, so a broker can read
each one off the explanation (`components`).

Ranking one citizen against 10,000 openings (or the reverse) is one vectorised pass plus an argpartition.
The optimal assignment is a min-cost flow (OR-Tools), source → citizen (1) → opening (feasible arcs, cost
−score) → sink (capacity), plus a zero-cost "leave unassigned" arc per citizen so nobody is forced into a bad
match. For a network where most pairs are feasible, `pruned_pairs` first keeps each citizen's k best openings and
each opening's k best citizens, block by block, so the flow has (citizens + openings) × k arcs at most. Speed
dating pairs citizens and companies round by round with a max-weight matching per round.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

# --- Weights -------------------------------------------------------------------------------------

WEIGHTS = {
    "goal": 35.0,  # the opening's occupation against the citizen's job goals and wishes
    "words": 10.0,  # words of the citizen's wish text found in the opening's title and tasks
    "hours": 10.0,  # the opening uses a fair share of the citizen's weekly capacity
    "buddy": 10.0,  # a buddy is named for the opening
    "record": 15.0,  # the company's record of turning internships into paid hours
    "stepping_stone": 10.0,  # a social-economic company for a yellow or red citizen
    "distance": 10.0,  # close to home
}
PENALTIES = {
    "failed_before": 15.0,  # an earlier placement at the same company ended as not a match / by either side
    "declined_before": 20.0,  # the citizen and the company were matched before and it was declined
}
assert sum(WEIGHTS.values()) == 100.0

# Occupation match: same code, same 3-digit minor group, same 2-digit sub-major group.
GOAL_EXACT, GOAL_MINOR_GROUP, GOAL_SUB_MAJOR_GROUP = 1.0, 0.6, 0.3
WISH_FACTOR = 0.8  # a job wish counts a little less than an agreed job goal
DISTANCE_ZERO_KM = 30.0  # the distance factor falls linearly from 1 at 0 km to 0 at this distance
DISTANCE_UNKNOWN = 0.5  # unknown postcode: neutral, neither rewarded nor punished
RECORD_PRIOR_PAID, RECORD_PRIOR_N = 1.0, 3.0  # smoothing: a company with no record counts as 1 in 3
STEPPING_STONE = {0: 0.0, 1: 0.7, 2: 1.0}  # by traffic light: green, yellow, red
WORDS_FULL = 2  # two shared words give the full words factor

GREEN, YELLOW, RED = 0, 1, 2
ALL_DAYS = 0b1111111  # bit 0 = Monday ... bit 6 = Sunday
WEEKDAYS = 0b0011111

# Violation bits (why a pair is infeasible).
V_REQUIREMENT, V_HOURS, V_DANISH, V_DAYS, V_DISTANCE, V_DECLINED = 1, 2, 4, 8, 16, 32
VIOLATIONS = {
    "requirement": V_REQUIREMENT,
    "hours": V_HOURS,
    "danish": V_DANISH,
    "days": V_DAYS,
    "distance": V_DISTANCE,
    "declined": V_DECLINED,
}

# Flags on a (citizen, company) pair and on a (citizen, opening) pair.
F_FAILED_BEFORE = 1  # (citizen, company): soft penalty
F_DECLINED_PENALTY = 2  # (citizen, company): soft penalty
F_EXCLUDED = 4  # (citizen, company) or (citizen, opening): hard exclusion

HOURS_EPSILON = 1e-6
FLOW_SCALE = 1000  # scores become integer costs: score * FLOW_SCALE, rounded


# --- Features ------------------------------------------------------------------------------------


@dataclass
class Citizens:
    """n citizens as columns. `goals`/`goal_weights` are padded with -1 / 0 to K columns."""

    hours: np.ndarray  # float32 (n,): weekly hours capacity
    forbidden: np.ndarray  # uint16 (n,): requirement bits the citizen cannot do
    danish: np.ndarray  # int8 (n,): assessed Danish level 1-5, 0 = not assessed
    days: np.ndarray  # uint8 (n,): days the citizen can work
    goals: np.ndarray  # int32 (n, K): DISCO-08 codes as numbers, -1 = none
    goal_weights: np.ndarray  # float32 (n, K): 1 for a goal, WISH_FACTOR for a wish, 0 for padding
    light: np.ndarray  # int8 (n,): GREEN, YELLOW, RED
    lat: np.ndarray  # float32 (n,), nan = unknown
    lon: np.ndarray  # float32 (n,)
    words: sparse.csr_matrix | None = None  # (n, V) 0/1: word stems of the wishes and goals
    max_km: np.ndarray | None = None  # float32 (n,): hard maximum travel distance, inf = none

    def __len__(self):
        return len(self.hours)

    @cached_property
    def blocked(self):
        """Requirement bits the citizen cannot do and (shifted by 16) days the citizen cannot work: one mask."""
        return self.forbidden.astype(np.uint32) | ((~self.days & ALL_DAYS).astype(np.uint32) << 16)


@dataclass
class Openings:
    """m openings as columns."""

    hours: np.ndarray  # float32 (m,)
    requires: np.ndarray  # uint16 (m,): requirement bits
    danish: np.ndarray  # int8 (m,): Danish level required, 0 = none
    days: np.ndarray  # uint8 (m,): days the job is worked
    code: np.ndarray  # int32 (m,): DISCO-08 code as a number, -1 = none
    company: np.ndarray  # int32 (m,): company index 0..n_companies-1
    social: np.ndarray  # bool (m,): the company is social-economic
    buddy: np.ndarray  # bool (m,)
    paid: np.ndarray  # float32 (m,): the company's internships that turned into paid hours
    placed: np.ndarray  # float32 (m,): the company's internships in all
    lat: np.ndarray  # float32 (m,)
    lon: np.ndarray  # float32 (m,)
    capacity: np.ndarray  # int32 (m,): places free
    words: sparse.csr_matrix | None = None  # (m, V) 0/1: word stems of title and tasks
    n_companies: int = 0

    def __len__(self):
        return len(self.hours)

    @cached_property
    def needs(self):
        """Requirement bits and (shifted by 16) the days worked: `needs & blocked == 0` is both constraints."""
        return self.requires.astype(np.uint32) | (self.days.astype(np.uint32) << 16)

    def __post_init__(self):
        if not self.n_companies:
            self.n_companies = int(self.company.max()) + 1 if len(self.company) else 0


@dataclass
class PairFlags:
    """Sparse facts about a few pairs, looked up by sorted int64 keys.

    Company keys are citizen * n_companies + company; opening keys are citizen * n_openings + opening.
    """

    company_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    company_flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    opening_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opening_flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))

    @classmethod
    def build(cls, *, n_companies, n_openings, company=(), opening=()):
        """`company`: iterable of (citizen, company, flag); `opening`: of (citizen, opening, flag)."""
        return cls(*_pack(company, n_companies), *_pack(opening, n_openings))

    def lookup_company(self, keys):
        return _lookup(self.company_keys, self.company_flags, keys)

    def lookup_opening(self, keys):
        return _lookup(self.opening_keys, self.opening_flags, keys)

    def __bool__(self):
        return bool(len(self.company_keys) or len(self.opening_keys))


def _pack(triples, width):
    merged = {}
    for a, b, flag in triples:
        key = int(a) * int(width) + int(b)
        merged[key] = merged.get(key, 0) | int(flag)
    keys = np.array(sorted(merged), dtype=np.int64)
    return keys, np.array([merged[k] for k in keys.tolist()], dtype=np.int8)


def _lookup(keys, flags, query):
    query = np.asarray(query, dtype=np.int64)
    if not len(keys):
        return np.zeros(query.shape, np.int8)
    pos = np.searchsorted(keys, query)
    pos_c = np.minimum(pos, len(keys) - 1)
    return np.where(keys[pos_c] == query, flags[pos_c], 0).astype(np.int8)


# --- Text ----------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
STOP_WORDS = frozenset(
    "arbejde arbejder arbejdet gerne noget nogle inden indenfor måske rigtig også eller andre anden andet "
    "have være blive kunne skal ville med for til fra som der det den jeg min mine mit og at en et af på "
    "work working would like some with from that this have job jobs timer uger".split()
)
STEM = 6  # Danish compounds: "køkkenmedhjælper" and "køkkenet" share the stem "køkken"


def stems(text):
    """Word stems of a text: lower-cased words of 4+ letters, not stop words, cut to STEM letters."""
    out = set()
    for word in _WORD.findall((text or "").lower()):
        if len(word) >= 4 and word not in STOP_WORDS:
            out.add(word[:STEM])
    return out


def word_matrix(texts, vocabulary):
    """A 0/1 CSR matrix (len(texts), len(vocabulary)); `vocabulary` (dict stem → column) grows as needed."""
    indptr, indices = [0], []
    seen = {}  # text -> its columns: many texts are alike (empty, or the same job goal)
    for text in texts:
        columns = seen.get(text)
        if columns is None:
            columns = seen[text] = sorted({vocabulary.setdefault(s, len(vocabulary)) for s in stems(text)})
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix(
        (data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)), shape=(len(texts), len(vocabulary))
    )


def _fit_words(a, b):
    """Give two word matrices the same number of columns."""
    width = max(a.shape[1], b.shape[1])
    if a.shape[1] < width:
        a = sparse.csr_matrix((a.data, a.indices, a.indptr), shape=(a.shape[0], width))
    if b.shape[1] < width:
        b = sparse.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], width))
    return a, b


# --- Pairwise evaluation ---------------------------------------------------------------------------


def distance_km(lat1, lon1, lat2, lon2):
    """Equirectangular distance, accurate to well under 1 % at Danish distances; nan if either is unknown."""
    lat1, lon1, lat2, lon2 = (np.asarray(x, dtype=np.float32) for x in (lat1, lon1, lat2, lon2))
    mean_lat = np.radians((lat1 + lat2) * np.float32(0.5))
    dx = (lon2 - lon1) * np.cos(mean_lat) * np.float32(111.32)
    dy = (lat2 - lat1) * np.float32(110.57)
    return np.sqrt(dx * dx + dy * dy)


def _violations(c, ci, o, oj, flags, dist=None):
    """Bitmask of violated hard constraints for broadcastable citizen indices ci and opening indices oj."""
    v = np.where((o.requires[oj] & c.forbidden[ci]) != 0, V_REQUIREMENT, 0).astype(np.int8)
    v |= np.where(o.hours[oj] > c.hours[ci] + HOURS_EPSILON, V_HOURS, 0).astype(np.int8)
    cd, od = c.danish[ci], o.danish[oj]
    v |= np.where((cd > 0) & (od > cd), V_DANISH, 0).astype(np.int8)
    v |= np.where((o.days[oj] & ~c.days[ci]) != 0, V_DAYS, 0).astype(np.int8)
    if c.max_km is not None:
        if dist is None:
            dist = distance_km(c.lat[ci], c.lon[ci], o.lat[oj], o.lon[oj])
        v |= np.where(dist > c.max_km[ci], V_DISTANCE, 0).astype(np.int8)
    if flags:
        excluded = (flags.lookup_company(np.asarray(ci, np.int64) * o.n_companies + o.company[oj]) & F_EXCLUDED) != 0
        excluded |= (flags.lookup_opening(np.asarray(ci, np.int64) * len(o) + np.asarray(oj)) & F_EXCLUDED) != 0
        v |= np.where(excluded, V_DECLINED, 0).astype(np.int8)
    return v


def _goal_factor(c, ci, o, oj):
    return _goal_levels(c.goals[ci], c.goal_weights[ci], np.asarray(o.code[oj])[..., None])


def _goal_levels(goals, weights, code):
    """The goal factor of job goals and their weights (..., K) against occupation codes (..., 1), broadcast."""
    level = np.where(
        goals == code,
        GOAL_EXACT,
        np.where(
            goals // 10 == code // 10,
            GOAL_MINOR_GROUP,
            np.where(goals // 100 == code // 100, GOAL_SUB_MAJOR_GROUP, 0.0),
        ),
    )
    level = np.where((goals < 0) | (code < 0), 0.0, level) * weights
    return level.max(axis=-1) if level.shape[-1] else np.zeros(level.shape[:-1])


def components(c, ci, o, oj, flags=None, *, overlap=None):
    """Each soft factor in [0, 1] (penalties as 0/1) for broadcastable index arrays ci, oj.

    `overlap` is the number of shared word stems (computed here elementwise if not given).
    """
    ci, oj = np.asarray(ci), np.asarray(oj)
    if overlap is None:
        overlap = word_overlap(c, ci, o, oj)
    cap = c.hours[ci]
    hours = o.hours[oj]
    with np.errstate(divide="ignore", invalid="ignore"):
        hours_fit = np.where(cap > 0, np.minimum(1.0, hours / (0.5 * cap)), 1.0)
    dist = distance_km(c.lat[ci], c.lon[ci], o.lat[oj], o.lon[oj])
    dist_f = np.where(np.isnan(dist), DISTANCE_UNKNOWN, np.clip(1.0 - dist / DISTANCE_ZERO_KM, 0.0, 1.0))
    record = (o.paid[oj] + RECORD_PRIOR_PAID) / (o.placed[oj] + RECORD_PRIOR_N)
    stone = np.take(np.array([STEPPING_STONE[GREEN], STEPPING_STONE[YELLOW], STEPPING_STONE[RED]]), c.light[ci])
    stone = np.where(o.social[oj], stone, 0.0)
    out = {
        "goal": _goal_factor(c, ci, o, oj),
        "words": np.minimum(1.0, np.asarray(overlap, dtype=np.float64) / WORDS_FULL),
        "hours": hours_fit,
        "buddy": o.buddy[oj].astype(np.float64),
        "record": record,
        "stepping_stone": stone,
        "distance": dist_f,
        "distance_km": dist,
    }
    if flags:
        cf = flags.lookup_company(ci.astype(np.int64) * o.n_companies + o.company[oj])
        out["failed_before"] = ((cf & F_FAILED_BEFORE) != 0).astype(np.float64)
        out["declined_before"] = ((cf & F_DECLINED_PENALTY) != 0).astype(np.float64)
    else:
        zero = np.zeros(np.broadcast_shapes(ci.shape, oj.shape))
        out["failed_before"] = zero
        out["declined_before"] = zero
    return out


def score_from(parts):
    total = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    total = total - sum(PENALTIES[name] * parts[name] for name in PENALTIES)
    return np.clip(total, 0.0, 100.0)


def word_overlap(c, ci, o, oj):
    """Shared word stems for broadcastable ci, oj (scalar/vector/outer/elementwise)."""
    ci, oj = np.asarray(ci), np.asarray(oj)
    shape = np.broadcast_shapes(ci.shape, oj.shape)
    if c.words is None or o.words is None or c.words.shape[1] == 0 or o.words.shape[1] == 0:
        return np.zeros(shape, dtype=np.float32)
    cw, ow = _fit_words(c.words, o.words)
    if ci.ndim == 0:  # one citizen, many openings
        row = cw[int(ci)]
        return np.asarray((ow[oj.ravel()] @ row.T).todense(), dtype=np.float32).reshape(shape)
    if oj.ndim == 0:  # many citizens, one opening
        row = ow[int(oj)]
        return np.asarray((cw[ci.ravel()] @ row.T).todense(), dtype=np.float32).reshape(shape)
    if ci.ndim == 2 and ci.shape[1] == 1 and oj.ndim == 1:  # a block of citizens against openings
        return np.asarray((cw[ci[:, 0]] @ ow[oj].T).todense(), dtype=np.float32)
    ci_b, oj_b = np.broadcast_arrays(ci, oj)  # elementwise pairs
    return pair_overlap(cw, ow, ci_b.ravel(), oj_b.ravel()).reshape(shape)


def _row_keys(matrix):
    """Sorted int64 keys row * width + column of a CSR matrix's entries."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = rows * matrix.shape[1] + matrix.indices
    keys.sort()
    return keys


def pair_overlap(cw, ow, r, k, opening_keys=None):
    """Shared columns of citizen rows r and opening rows k, elementwise, without forming the products.

    Each citizen word of each pair is looked up among the opening's words (sorted keys, binary search).
    """
    r, k = np.asarray(r, np.int64), np.asarray(k, np.int64)
    width = max(cw.shape[1], ow.shape[1])
    if opening_keys is None:
        opening_keys = _row_keys(sparse.csr_matrix((ow.data, ow.indices, ow.indptr), shape=(ow.shape[0], width)))
    starts, counts = cw.indptr[r], np.diff(cw.indptr)[r]
    total = int(counts.sum())
    if not total or not len(opening_keys):
        return np.zeros(len(r), dtype=np.float32)
    pair = np.repeat(np.arange(len(r)), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    words = cw.indices[np.repeat(starts, counts) + offset].astype(np.int64)
    keys = k[pair] * width + words
    pos = np.minimum(np.searchsorted(opening_keys, keys), len(opening_keys) - 1)
    hit = opening_keys[pos] == keys
    return np.bincount(pair[hit], minlength=len(r)).astype(np.float32)


def evaluate(c, ci, o, oj, flags=None):
    """(violations, score) for broadcastable index arrays; score is 0 where violated."""
    ci, oj = np.asarray(ci), np.asarray(oj)
    v = _violations(c, ci, o, oj, flags)
    parts = components(c, ci, o, oj, flags)
    score = np.where(v == 0, score_from(parts), 0.0)
    return v, score


def explain(c, ci, o, oj, flags=None):
    """The violations bitmask and the factor values for one pair, as plain Python values."""
    v = int(_violations(c, np.asarray(ci), o, np.asarray(oj), flags))
    parts = {k: float(np.asarray(x)) for k, x in components(c, np.asarray(ci), o, np.asarray(oj), flags).items()}
    parts["score"] = float(score_from(parts)) if v == 0 else 0.0
    return v, parts


# --- Ranking -------------------------------------------------------------------------------------


def _top(score, feasible, limit):
    """The `limit` best feasible positions, by score, ties by position, whatever else is in the arrays: among those
    tied at the cut the first positions are kept (so ranking a subset that holds the best gives the same list)."""
    idx = np.flatnonzero(feasible)
    if limit is not None and len(idx) > limit:
        negative = -score[idx]
        cut = np.partition(negative, limit - 1)[limit - 1]
        above = idx[negative < cut]
        idx = np.concatenate([above, idx[negative == cut][: limit - len(above)]])
    order = np.lexsort((idx, -score[idx]))  # by score, ties by index: stable and deterministic
    idx = idx[order]
    return idx, score[idx]


def _scored(c, ci, o, oj, flags, overlap=None):
    """Of the candidate pairs (broadcastable ci, oj), the feasible ones' positions and scores."""
    v = _violations(c, ci, o, oj, flags)
    keep = np.flatnonzero(v.ravel() == 0)
    ci_b, oj_b = (np.broadcast_to(x, v.shape).ravel()[keep] for x in (ci, oj))
    if overlap is not None:
        overlap = overlap[keep]
    return keep, score_from(components(c, ci_b, o, oj_b, flags, overlap=overlap))


def rank_openings(c, i, o, flags=None, *, limit=50):
    """Feasible openings for citizen i, best first: (opening indices, scores)."""
    i = int(i)
    cand = np.flatnonzero((o.needs & c.blocked[i]) == 0)  # requirements and days, one pass over the openings
    keep, score = _scored(c, np.asarray(i), o, cand, flags)
    cand = cand[keep]
    idx, top = _top(score, np.ones(len(cand), bool), limit)
    return cand[idx], top


def rank_citizens(c, o, j, flags=None, *, limit=50, usable=None):
    """Feasible citizens for opening j, best first: (citizen indices, scores). `usable` (bool per citizen), if
    given, ranks only those."""
    j = int(j)
    fits = (c.blocked & o.needs[j]) == 0
    cand = np.flatnonzero(fits if usable is None else fits & usable)
    keep, score = _scored(c, cand, o, np.asarray(j), flags)
    cand = cand[keep]
    idx, top = _top(score, np.ones(len(cand), bool), limit)
    return cand[idx], top


def feasible_pairs(c, o, flags=None, *, block=None):
    """All feasible pairs with their scores: (rows, cols, scores), rows ascending.

    Citizens are taken in blocks against all openings; only the feasible pairs (typically a few
    percent) are scored.
    """
    n, m = len(c), len(o)
    if block is None:
        block = max(1, min(n, 4_000_000 // max(m, 1)))
    rows, cols, scores = [], [], []
    blocked, needs = c.blocked, o.needs
    words = c.words is not None and o.words is not None and c.words.shape[1] and o.words.shape[1]
    if words:
        cw, ow = _fit_words(c.words, o.words)
        opening_keys = _row_keys(ow)
    for start in range(0, n, block):
        stop = min(n, start + block)
        # Requirements and days for the whole block in one pass; the rest only on the survivors.
        flat = np.flatnonzero((blocked[start:stop, None] & needs[None, :]) == 0)
        if not len(flat):
            continue
        r, k = np.divmod(flat, m)
        r = r + start
        ok = _violations(c, r, o, k, flags) == 0
        r, k = r[ok], k[ok]
        overlap = None
        if words and len(r):
            overlap = pair_overlap(cw, ow, r, k, opening_keys)
        parts = components(c, r, o, k, flags, overlap=overlap)
        rows.append(r)
        cols.append(k)
        scores.append(score_from(parts))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(scores)


# --- Candidate pruning ---------------------------------------------------------------------------

DENSE_BLOCK_SHARE = 0.2  # a block whose share of pairs passing requirements and days is above this is scored whole
BLOCK_PAIRS = 1_000_000  # pairs whose best are chosen at once (a few arrays of this many numbers)
THREADS = min(2, os.cpu_count() or 1)  # threads scoring blocks at once
SCORE_PAIRS = 120_000  # pairs scored at once (a dozen arrays of this many numbers, small enough for the caches)


@dataclass
class Candidates:
    """The pairs kept for the assignment: rows ascending, then columns; `feasible` counts all feasible pairs."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    feasible: int

    def __len__(self):
        return len(self.rows)


def _point_keys(lat, lon):
    """One uint64 per position (the float32 bits of both coordinates), so equal positions share a key."""
    lat = np.ascontiguousarray(lat, dtype=np.float32).view(np.uint32).astype(np.uint64)
    lon = np.ascontiguousarray(lon, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return (lat << np.uint64(32)) | lon


class _BlockScorer:
    """Scores blocks of citizens against all openings, for choosing the candidates: a (citizens, openings) matrix,
    −1 where a hard constraint rules the pair out.

    The hard constraints are the engine's own (`_violations`), exactly. The scores are the score of `score_from` up to
    rounding in the last digits (the terms are added in another order), which is enough to choose each one's best;
    `pruned_pairs` recomputes the kept pairs' scores exactly. Each weighted factor is computed on what it depends on
    and then spread out: the goal per distinct occupation code, the hours per distinct weekly hours, the distance
    per distinct pair of positions, buddy and record once per opening, the shared words and the penalties only where
    there are any. A block where few pairs pass requirements and days is scored only on those pairs.
    """

    def __init__(self, c, o, flags=None, usable=None):
        self.c, self.o, self.flags = c, o, flags
        self.m = len(o)
        self.usable = None if usable is None else np.asarray(usable, bool)
        self.codes, self.code_of = np.unique(o.code, return_inverse=True)
        self.code_of = self.code_of.ravel()
        # Openings alike in weekly hours and Danish level are one kind for the hours and Danish rules and the hours.
        hours, hours_of = np.unique(o.hours, return_inverse=True)
        kinds, self.kind_of = np.unique(hours_of.ravel() * 256 + o.danish.astype(np.int64), return_inverse=True)
        self.kind_of = self.kind_of.ravel()
        self.kind_hours, self.kind_danish = hours[kinds // 256], (kinds % 256).astype(np.int8)
        _keys, first, point_of = np.unique(_point_keys(o.lat, o.lon), return_index=True, return_inverse=True)
        self.o_lat, self.o_lon, self.point_of = o.lat[first], o.lon[first], point_of.ravel()
        self.words = c.words is not None and o.words is not None and c.words.shape[1] and o.words.shape[1]
        if self.words:
            self.cw, self.ow = _fit_words(c.words, o.words)
            self.owT = self.ow.T.tocsr()
            self.opening_keys = _row_keys(self.ow)
        # The goal factor per distinct set of job goals (with their weights) and distinct occupation code.
        goal_sets = np.concatenate(
            [
                np.ascontiguousarray(c.goals, np.int32).view(np.uint32),
                np.ascontiguousarray(c.goal_weights, np.float32).view(np.uint32),
            ],
            axis=1,
        )
        distinct, first, goal_row = np.unique(goal_sets, axis=0, return_index=True, return_inverse=True)
        self.goal_row = goal_row.ravel()
        self.goal_table = WEIGHTS["goal"] * _goal_levels(
            c.goals[first][:, None, :], c.goal_weights[first][:, None, :], self.codes[None, :, None]
        )
        record = (o.paid + RECORD_PRIOR_PAID) / (o.placed + RECORD_PRIOR_N)
        # Each weighted factor in the type `score_from` computes it in, so that only the order of the sum differs.
        self.own = WEIGHTS["buddy"] * o.buddy.astype(np.float64) + (WEIGHTS["record"] * record).astype(np.float64)
        self.social = np.flatnonzero(o.social)
        stones = np.array([STEPPING_STONE[GREEN], STEPPING_STONE[YELLOW], STEPPING_STONE[RED]])
        self.stones = WEIGHTS["stepping_stone"] * stones
        by_company = np.argsort(o.company, kind="stable")
        self.company_openings = by_company
        self.company_start = np.searchsorted(o.company[by_company], np.arange(o.n_companies + 1))

    def _openings_of(self, citizens, companies):
        """Each (citizen, company) pair spread over the company's openings: (citizen, opening, pair number)."""
        start, stop = self.company_start[companies], self.company_start[companies + 1]
        counts = stop - start
        pair = np.repeat(np.arange(len(companies)), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return citizens[pair], self.company_openings[start[pair] + offset], pair

    def _flags(self, start, stop):
        """The block's flagged pairs: (rows, openings, flags), company flags spread over the company's openings."""
        flags = self.flags
        if not flags:
            return None
        nc, m = self.o.n_companies, self.m
        lo, hi = np.searchsorted(flags.company_keys, [start * nc, stop * nc])
        lo2, hi2 = np.searchsorted(flags.opening_keys, [start * m, stop * m])
        if lo == hi and lo2 == hi2:
            return None
        i, k = np.divmod(flags.company_keys[lo:hi], nc)
        rows, cols, pair = self._openings_of(i - start, k)
        values = flags.company_flags[lo:hi][pair]
        i, k = np.divmod(flags.opening_keys[lo2:hi2], m)
        return (
            np.concatenate([rows, i - start]),
            np.concatenate([cols, k]),
            np.concatenate([values, flags.opening_flags[lo2:hi2]]),
        )

    def sparse_block(self, start, stop):
        """The block's feasible pairs (rows, columns, exact scores) when few pass requirements and days, else None."""
        ok = (self.c.blocked[start:stop, None] & self.o.needs[None, :]) == 0
        if self.usable is not None:
            ok &= self.usable[None, :]
        if np.count_nonzero(ok) >= DENSE_BLOCK_SHARE * ok.size:
            return None
        r, k = np.divmod(np.flatnonzero(ok), self.m)
        r = r + start
        keep = _violations(self.c, r, self.o, k, self.flags) == 0
        r, k = r[keep], k[keep]
        return r, k, self.exact(r, k)

    def scores(self, start, stop):
        """(the block's scores, the number of feasible pairs in it).

        What depends on the citizen alone against a few distinct values (goal per occupation code, hours and Danish
        per kind of opening, distance per position) is tabled once for the block; the pairs are then scored a few
        rows at a time, so that the arrays stay in the processor's caches.
        """
        tables = self._tables(start, stop)
        step = max(1, SCORE_PAIRS // max(self.m, 1))
        out = np.empty((stop - start, self.m))
        feasible = 0
        for a in range(start, stop, step):
            b = min(stop, a + step)
            out[a - start : b - start], count = self._scores(a, b, tables, a - start)
            feasible += count
        return out, feasible

    def _tables(self, start, stop):
        c = self.c
        cap, cd = c.hours[start:stop, None], c.danish[start:stop, None]
        t = {}
        t["kind_bad"] = (self.kind_hours[None, :] > cap + HOURS_EPSILON) | ((cd > 0) & (self.kind_danish[None, :] > cd))
        with np.errstate(divide="ignore", invalid="ignore"):
            fit = np.where(cap > 0, np.minimum(1.0, self.kind_hours[None, :] / (0.5 * cap)), 1.0)
        t["fit"] = (WEIGHTS["hours"] * fit).astype(np.float64)
        t["goal"] = self.goal_table[self.goal_row[start:stop]]
        _keys, first, point = np.unique(
            _point_keys(c.lat[start:stop], c.lon[start:stop]), return_index=True, return_inverse=True
        )
        t["point"] = point.ravel()
        lat, lon = c.lat[start:stop][first], c.lon[start:stop][first]
        dist = distance_km(lat[:, None], lon[:, None], self.o_lat[None, :], self.o_lon[None, :])
        near = WEIGHTS["distance"] * np.where(
            np.isnan(dist), DISTANCE_UNKNOWN, np.clip(1.0 - dist / DISTANCE_ZERO_KM, 0.0, 1.0)
        )
        t["near"] = near.astype(np.float64)
        if c.max_km is not None:
            t["too_far"] = dist > c.max_km[start:stop][first][:, None]
        t["stone"] = self.stones[c.light[start:stop]]
        return t

    def _scores(self, start, stop, t, offset):
        c, o, m = self.c, self.o, self.m
        b = stop - start
        ok = (c.blocked[start:stop, None] & o.needs[None, :]) == 0  # requirements and days
        if self.usable is not None:
            ok &= self.usable[None, :]
        passed = int(np.count_nonzero(ok))
        if not passed:
            return np.full((b, m), -1.0), 0
        if passed < DENSE_BLOCK_SHARE * ok.size:
            return self._sparse(start, stop, ok)
        rows = slice(offset, offset + b)
        bad = ~ok
        bad |= np.take(t["kind_bad"][rows], self.kind_of, axis=1)
        point = t["point"][rows]
        if c.max_km is not None:
            bad |= np.take(t["too_far"][point], self.point_of, axis=1)
        flagged = self._flags(start, stop)
        if flagged is not None:
            f_rows, f_cols, f_values = flagged
            excluded = (f_values & F_EXCLUDED) != 0
            bad[f_rows[excluded], f_cols[excluded]] = True
        # The weighted sum, term by term into one array (the factors are at most 1 and the weights add up to 100).
        total = np.take(t["goal"][rows], self.code_of, axis=1)
        buffer = np.empty_like(total)
        total += np.take(t["fit"][rows], self.kind_of, axis=1, out=buffer)
        total += np.take(t["near"][point], self.point_of, axis=1, out=buffer)
        total += self.own[None, :]
        if len(self.social):
            total[:, self.social] += t["stone"][rows, None]
        if self.words:
            shared = (self.cw[start:stop] @ self.owT).tocoo()
            total[shared.row, shared.col] += WEIGHTS["words"] * np.minimum(
                1.0, shared.data.astype(np.float64) / WORDS_FULL
            )
        if flagged is not None:
            f_rows, f_cols, f_values = flagged
            penalty = np.where(f_values & F_FAILED_BEFORE, PENALTIES["failed_before"], 0.0)
            penalty += np.where(f_values & F_DECLINED_PENALTY, PENALTIES["declined_before"], 0.0)
            np.subtract.at(total, (f_rows, f_cols), penalty)
            total[f_rows, f_cols] = np.maximum(total[f_rows, f_cols], 0.0)
        np.putmask(total, bad, -1.0)
        return total, bad.size - int(np.count_nonzero(bad))

    def _sparse(self, start, stop, ok):
        c, o, m = self.c, self.o, self.m
        r, k = np.divmod(np.flatnonzero(ok), m)
        r = r + start
        keep = _violations(c, r, o, k, self.flags) == 0
        r, k = r[keep], k[keep]
        out = np.full((stop - start, m), -1.0)
        if len(r):
            out[r - start, k] = self.exact(r, k)
        return out, len(r)

    def exact(self, rows, cols):
        """The scores of these pairs exactly as `score_from(components(...))` gives them."""
        overlap = pair_overlap(self.cw, self.ow, rows, cols, self.opening_keys) if self.words else None
        return score_from(components(self.c, rows, self.o, cols, self.flags, overlap=overlap))


_LEVELS = 100 * FLOW_SCALE + 1  # integer scores 0..100,000: the assignment's own units


def _first_per_group(groups, scores, others, n_others, keep):
    """Positions of the `keep` best of each group: by integer score, highest first, ties by the lower `others` value.

    One sort of one int64 key per entry: group, then the score turned round, then the other index.
    """
    level = _LEVELS - 1 - integer_scores(scores)
    key = (groups.astype(np.int64) * _LEVELS + level) * n_others + others
    order = np.argsort(key)
    groups = groups[order]
    starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
    rank = np.arange(len(groups)) - np.repeat(starts, np.diff(np.append(starts, len(groups))))
    return order[rank < keep]


def _best_in_rows(scores, keep):
    """Of each row of a block, its `keep` best feasible (score ≥ 0) columns: (rows, columns)."""
    width = scores.shape[1]
    if keep >= width:
        return np.nonzero(scores >= 0)
    # The keep-th best score of each row; the scores about as good are few (more only with ties). A unit of the
    # integer scores below it, so that a score rounding to the same integer is among them.
    threshold = np.partition(scores, width - keep, axis=1)[:, width - keep] - 1.0 / FLOW_SCALE
    threshold = np.maximum(threshold, 0.0)
    rows, cols = np.nonzero(scores >= threshold[:, None])
    pick = _first_per_group(rows, scores[rows, cols], cols, width, keep)
    return rows[pick], cols[pick]


class _BestPerColumn:
    """Each column's `keep` best (row, score) so far, over blocks of rows in order; ties go to the lower row."""

    def __init__(self, width, height, keep):
        self.keep, self.height = keep, height
        self.threshold = np.full(width, -0.5)  # what a new score must beat: −0.5 until the column has `keep`
        self.rows = self.cols = np.zeros(0, np.int64)
        self.scores = np.zeros(0)

    def add(self, scores, first_row):
        """Merge a block of scores (rows from `first_row` on)."""
        rows, cols = np.nonzero(scores > self.threshold[None, :])
        self.add_pairs(rows + first_row, cols, scores[rows, cols])

    def add_pairs(self, rows, cols, values):
        """Merge scored pairs whose rows come after every row merged before."""
        better = values > self.threshold[cols]
        if not better.any():
            return
        values = np.concatenate([self.scores, values[better]])
        rows = np.concatenate([self.rows, rows[better]])
        cols = np.concatenate([self.cols, cols[better]])
        pick = _first_per_group(cols, values, rows, self.height, self.keep)
        self.rows, self.cols, self.scores = rows[pick], cols[pick], values[pick]
        full = np.bincount(self.cols, minlength=len(self.threshold)) >= self.keep
        lowest = np.full(len(self.threshold), np.inf)
        np.minimum.at(lowest, self.cols, self.scores)
        self.threshold = np.where(full, lowest, -0.5)


def pruned_pairs(c, o, flags=None, *, keep, usable=None, block=None, progress=None, threads=None):
    """The candidate pairs for the assignment: each citizen's `keep` best feasible openings and each opening's `keep`
    best feasible citizens (the union), with their scores, as `Candidates` (rows ascending, then columns).

    The pairs grow with citizens + openings, not with their product, and the feasible pairs are never all held at
    once: citizens are scored in blocks against all openings; of each block the citizens' best are kept, and each
    opening's best so far are merged with the block's. Ties at the `keep`-th place go to the lower index. With `keep`
    ≥ the number of openings every feasible pair is kept. `usable` (bool per opening) leaves out openings that cannot
    be chosen (no free place), so they take nobody's place among the best. `progress(done, total)` is called after
    each block with the number of citizens scored. The blocks are shared among `threads` threads (THREADS unless
    given; numpy works outside Python's lock), each taking a run of consecutive blocks; the result is the same.
    """
    n, m = len(c), len(o)
    keep = int(keep)
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if not n or not m:
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
    if block is None:
        block = max(1, min(n, BLOCK_PAIRS // m))
    scorer = _BlockScorer(c, o, flags, usable)
    starts = list(range(0, n, block))
    threads = max(1, min(int(threads or THREADS), len(starts)))
    lock = threading.Lock()
    done = [0]

    def run(chunk):
        per_column = _BestPerColumn(m, n, keep)
        keys, feasible = [], 0
        for start in chunk:
            stop = min(n, start + block)
            sparse = scorer.sparse_block(start, stop)
            if sparse is not None:  # few feasible pairs: chosen among the pairs themselves
                r, k, values = sparse
                feasible += len(r)
                pick = _first_per_group(r, values, k, m, keep)
                keys.append(r[pick] * m + k[pick])
                per_column.add_pairs(r, k, values)
            else:  # most pairs feasible: chosen in the block's matrix of scores
                matrix, count = scorer.scores(start, stop)
                feasible += count
                if count:
                    r, k = _best_in_rows(matrix, keep)
                    keys.append((r + start).astype(np.int64) * m + k)
                    per_column.add(matrix, start)
            if progress is not None:
                with lock:
                    done[0] += stop - start
                    progress(done[0], n)
        return keys, per_column, feasible

    if threads == 1:
        results = [run(starts)]
    else:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(run, [chunk.tolist() for chunk in np.array_split(starts, threads)]))
    keys = [key for part_keys, _columns, _feasible in results for key in part_keys]
    # Each opening's best over the threads' runs of rows: the same choice as one run over all of them.
    rows = np.concatenate([columns.rows for _keys, columns, _feasible in results])
    cols = np.concatenate([columns.cols for _keys, columns, _feasible in results])
    values = np.concatenate([columns.scores for _keys, columns, _feasible in results])
    pick = _first_per_group(cols, values, rows, n, keep)
    keys.append(rows[pick] * m + cols[pick])
    keys = np.sort(np.concatenate(keys))
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    rows, cols = keys // m, keys % m
    return Candidates(rows, cols, scorer.exact(rows, cols), sum(feasible for _k, _c, feasible in results))


# --- Assignment ----------------------------------------------------------------------------------


@dataclass
class Assignment:
    rows: np.ndarray  # citizen indices
    cols: np.ndarray  # opening indices
    scores: np.ndarray  # their scores
    objective: int  # sum of the integer scores (score * FLOW_SCALE, rounded)


def integer_scores(scores):
    return np.rint(np.asarray(scores, dtype=np.float64) * FLOW_SCALE).astype(np.int64)


def assign(n_citizens, capacity, rows, cols, scores):
    """Max-total-score assignment of citizens to openings over the given feasible pairs.

    Each citizen gets at most one opening, each opening at most `capacity[j]` citizens; a citizen may be
    left unassigned (a zero-cost arc), so no one is forced into a pair. Exact on the integer scores.
    """
    from ortools.graph.python import min_cost_flow

    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    weights = integer_scores(scores)
    keep = weights > 0  # a pair worth nothing is never better than leaving the citizen unassigned
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    capacity = np.asarray(capacity, np.int64)
    n, m = int(n_citizens), len(capacity)
    if not len(rows):
        return Assignment(rows, cols, np.zeros(0), 0)
    source, sink = n + m, n + m + 1
    citizen_nodes = np.arange(n, dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(rows, n + cols, np.ones(len(rows), np.int64), -weights)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, np.int64), citizen_nodes, np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        citizen_nodes, np.full(n, sink, np.int64), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        n + np.arange(m, dtype=np.int64), np.full(m, sink, np.int64), capacity, np.zeros(m, np.int64)
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(pair_arcs) > 0
    order = np.argsort(rows[used], kind="stable")
    r, k, w = rows[used][order], cols[used][order], weights[used][order]
    return Assignment(r, k, w / FLOW_SCALE, int(w.sum()))


def assign_dense(n_citizens, capacity, rows, cols, scores):
    """The same optimum through scipy's linear_sum_assignment on the dense matrix (capacities as slots).

    Infeasible pairs score 0, so an "assignment" to them is the same as leaving the citizen unassigned.
    For checking `assign`; memory is n × sum(capacity).
    """
    capacity = np.asarray(capacity, np.int64)
    slot_opening = np.repeat(np.arange(len(capacity)), capacity)
    first_slot = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    weights = integer_scores(scores)
    dense = np.zeros((int(n_citizens), len(slot_opening)), dtype=np.float64)
    for s in range(int(capacity.max()) if len(capacity) else 0):
        ok = capacity[cols] > s
        dense[rows[ok], first_slot[cols[ok]] + s] = weights[ok]
    if not dense.size:
        return Assignment(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
    r, s = linear_sum_assignment(dense, maximize=True)
    w = dense[r, s]
    keep = w > 0
    r, k, w = r[keep], slot_opening[s[keep]], w[keep].astype(np.int64)
    return Assignment(r, k, w / FLOW_SCALE, int(w.sum()))


def greedy_first_fit(n_citizens, capacity, rows, cols, scores, *, order=None, rng=None):
    """Each citizen in turn takes the first feasible opening with a free place (the sheet's way).

    With `rng`, citizens come in random order and each takes a random feasible opening with a free place.
    """
    left = np.array(capacity, np.int64)
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    by_row = np.argsort(rows, kind="stable")
    rows_s, cols_s, scores_s = rows[by_row], cols[by_row], np.asarray(scores)[by_row]
    starts = np.searchsorted(rows_s, np.arange(int(n_citizens) + 1))
    citizens = np.arange(int(n_citizens)) if order is None else np.asarray(order)
    if rng is not None:
        citizens = rng.permutation(citizens)
    out_r, out_k, out_s = [], [], []
    for i in citizens.tolist():
        a, b = starts[i], starts[i + 1]
        options = np.arange(a, b)
        if rng is not None:
            options = rng.permutation(options)
        for p in options.tolist():
            j = cols_s[p]
            if left[j] > 0:
                left[j] -= 1
                out_r.append(i)
                out_k.append(j)
                out_s.append(scores_s[p])
                break
    r, k, s = np.array(out_r, np.int64), np.array(out_k, np.int64), np.array(out_s, dtype=np.float64)
    return Assignment(r, k, s, int(integer_scores(s).sum()))


# --- Speed dating --------------------------------------------------------------------------------


def speed_dating(score, feasible, rounds):
    """Rounds of meetings between citizens (rows) and companies (columns), best pairs first.

    `score` and `feasible` are dense (n_citizens, n_companies). In each round every citizen meets at most
    one company and every company at most one citizen; a pair meets at most once, and only if feasible.
    Each round is a max-weight matching on the pairs not yet met (feasible pairs weigh score + 1, so a
    round holds as many good meetings as it can). Returns a list per round of (citizen, company, score).
    """
    score = np.asarray(score, dtype=np.float64)
    available = np.asarray(feasible, dtype=bool).copy()
    plan = []
    for _ in range(int(rounds)):
        if not available.any():
            plan.append([])
            continue
        weights = np.where(available, score + 1.0, 0.0)
        r, k = linear_sum_assignment(weights, maximize=True)
        meetings = [(int(a), int(b), float(score[a, b])) for a, b in zip(r, k, strict=True) if available[a, b]]
        meetings.sort(key=lambda t: (-t[2], t[0], t[1]))
        for a, b, _s in meetings:
            available[a, b] = False
        plan.append(meetings)
    return plan
