"""The synthetic register deliveries (jobbro/effect/synthetic.py): the delivery layout, determinism, the planted
selection and effect, and that the real import takes the files with the shipped default mapping."""

import datetime
import hashlib

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from jobbro.effect import categories, panels, synthetic

FIRST = datetime.date(2021, 1, 4)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make(tmp, seed=1, n=60, pool=300, weeks=120, design="register_comparison", effect=None):
    parts = synthetic.make_participants(n, first_week=FIRST, weeks=weeks, seed=seed, design=design, start_from=60)
    effect = synthetic.Effect() if effect is None else effect
    return synthetic.write_delivery(tmp, parts, pool=pool, first_week=FIRST, weeks=weeks, seed=seed, effect=effect)


def test_delivery_layout_and_types(tmp_path):
    d = make(tmp_path)
    persons = pq.read_table(d.persons)
    assert persons.schema.names == ["person_key", "birth_year", "sex", "origin", "municipality_code"]
    assert str(persons.schema.field("birth_year").type) == "int16"
    assert persons.num_rows == 360 == d.rows["persons"]
    status = pq.read_table(d.status).to_pandas()
    assert list(status.columns) == ["person_key", "week", "benefit_code"]
    # ISO year-weeks YYYYWW within the panel, codes from the shipped default mapping.
    first = FIRST.isocalendar()
    assert status.week.min() == first[0] * 100 + first[1]
    assert set(status.benefit_code) <= {code for code, _c, _l in categories.DEFAULT_MAPPING}
    assert not status.duplicated(["person_key", "week"]).any()
    hours = pq.read_table(d.hours).to_pandas()
    assert hours.month.str.fullmatch(r"20[0-9]{2}-[01][0-9]").all()
    assert (hours.paid_hours > 0).all()
    assert set(persons.column("sex").to_pylist()) == {"M", "K"}
    assert set(persons.column("origin").to_pylist()) <= {"dansk", "indvandrer", "efterkommer"}


def test_the_real_import_takes_the_files(tmp_path):
    d = make(tmp_path / "d")
    known = {code for code, _c, _l in categories.DEFAULT_MAPPING}
    for kind in panels.KINDS:
        summary = panels.import_delivery(tmp_path / "reg", kind, getattr(d, kind), known_codes=known)
        assert summary.rows == d.rows[kind]
    con = panels.connect(tmp_path / "reg")
    assert con.execute("SELECT count(DISTINCT person_key) FROM persons").fetchall() == [(360,)]
    con.close()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a, b, c = make(tmp_path / "a", seed=5), make(tmp_path / "b", seed=5), make(tmp_path / "c", seed=6)
    for kind in ("persons", "status", "hours"):
        assert digest(getattr(a, kind)) == digest(getattr(b, kind))
        assert digest(getattr(a, kind)) != digest(getattr(c, kind))
    pd.testing.assert_frame_equal(a.truth, b.truth)


def test_participants_are_selected_on_observables(tmp_path):
    """Participants are on benefit at their start and had more weeks on benefit the year before than the pool."""
    d = make(tmp_path, n=300, pool=3000)
    weeks = {i: FIRST + datetime.timedelta(weeks=i) for i in range(120)}
    code = {d_: d_.isocalendar()[0] * 100 + d_.isocalendar()[1] for d_ in weeks.values()}
    status = duckdb.sql(
        f"SELECT person_key, week FROM '{d.status}' WHERE benefit_code <> '651'"  # SU weeks are self-sufficient
    ).df()
    on = set(zip(status.person_key, status.week, strict=True))
    parts = d.participants
    at_start = sum((k, code[s]) in on for k, s in zip(parts.person_key, parts.start_week, strict=True)) / len(parts)
    ref = weeks[80]
    pool_keys = [f"Q{i:09d}" for i in range(1, 3001)]
    pool_at = sum((k, code[ref]) in on for k in pool_keys) / len(pool_keys)
    assert at_start > 0.75
    assert pool_at < 0.6
    year_before = [
        sum((k, code[s - datetime.timedelta(weeks=j)]) in on for j in range(1, 53)) / 52
        for k, s in zip(parts.person_key, parts.start_week, strict=True)
    ]
    pool_year = [sum((k, code[weeks[80 - j]]) in on for j in range(1, 53)) / 52 for k in pool_keys]
    assert sum(year_before) / len(year_before) > sum(pool_year) / len(pool_year) + 0.1


def test_planted_effect_is_positive_and_zero_without_effect(tmp_path):
    d = make(tmp_path / "a", n=200, pool=0)
    assert d.true_effect("self_sufficient", 26) > 0.05
    assert d.true_effect("cumulative_self_sufficient_weeks", 52) > 2
    assert d.true_effect("paid_hours_per_week", 26) > 1
    none = make(tmp_path / "b", n=200, pool=0, effect=synthetic.Effect(index=0, hours=0))
    assert (none.truth.effect == 0).all()
    # The effect only applies after the start: the files of persons before their start do not depend on it.
    assert digest(d.persons) == digest(none.persons)


def test_lottery_arms_are_half_each_and_only_the_programme_arm_is_affected(tmp_path):
    d = make(tmp_path / "a", n=100, pool=0, design="lottery")
    none = make(tmp_path / "b", n=100, pool=0, design="lottery", effect=synthetic.Effect(index=0, hours=0))
    assert (d.participants.arm == "programme").sum() == 50
    arm = dict(zip(d.participants.person_key, d.participants.arm, strict=True))
    with_effect, without = pd.read_parquet(d.status), pd.read_parquet(none.status)
    for key, group in arm.items():
        same = (
            with_effect[with_effect.person_key == key]
            .reset_index(drop=True)
            .equals(without[without.person_key == key].reset_index(drop=True))
        )
        if group == "control":
            assert same, key
    changed = sum(
        not with_effect[with_effect.person_key == k]
        .reset_index(drop=True)
        .equals(without[without.person_key == k].reset_index(drop=True))
        for k, g in arm.items()
        if g == "programme"
    )
    assert changed > 20


def test_a_participant_outside_the_panel_is_refused(tmp_path):
    parts = synthetic.make_participants(3, first_week=FIRST, weeks=50, seed=1, start_from=10, start_until=20)
    parts.loc[0, "start_week"] = FIRST - datetime.timedelta(weeks=1)
    with pytest.raises(ValueError):
        synthetic.write_delivery(tmp_path, parts, pool=0, first_week=FIRST, weeks=50, seed=1)
