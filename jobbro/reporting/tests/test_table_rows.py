"""The add-up checks find a table's rows by key through a dict made once per check, with the answers a search of the
list gives (the first row with the key), and stay linear in the rows."""

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.reporting import presentation
from jobbro.reporting.base import LIGHT_LABELS, Row, Scored, Share, Table

KEYS = ["a", "b", "c", "d", "total"]


def searched_sums(table):
    """The rows-adding-up problems as a search of the list for each row finds them (the old way)."""
    found = []
    for total_key, part_keys in table.sums:
        total_row = table.row(total_key)
        for index, column in enumerate(table.columns):
            total = total_row.cells[index]
            parts = sum(table.row(key).cells[index] for key in part_keys)
            if parts != total:
                found.append((total_row.label, column, parts, total))
    return found


@given(
    rows=st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=10),
    sums=st.lists(
        st.tuples(st.sampled_from(KEYS), st.lists(st.sampled_from(KEYS), max_size=4)),
        max_size=3,
    ),
)
def test_the_add_up_checks_read_the_first_row_of_each_key(rows, sums):
    present = {key for key, _x, _y in rows}
    table = Table(
        "t",
        "T",
        ["x", "y"],
        [Row(key, f"{key} {place}", [x, y]) for place, (key, x, y) in enumerate(rows)],
        sums=[(total, parts) for total, parts in sums if total in present and set(parts) <= present],
    )
    expected = searched_sums(table)
    with translation.override("en"):
        problems = table.problems()
    assert len(problems) == len(expected)
    for problem, (label, column, parts, total) in zip(problems, expected, strict=True):
        assert f"“{label}”" in problem and f" {column} " in problem and f" {parts}, not {total}." in problem


def test_the_add_up_checks_of_thousands_of_rows_find_each_wrong_total(in_english):
    parts = [Row(f"broker-{n}", f"Broker {n}", [1, Share(1, 2)]) for n in range(5000)]
    total = Row("total", "Total", [4999, Share(5000, 10000)])
    table = Table("t", "Staff", ["Citizens", "In work"], [*parts, total], sums=[("total", [r.key for r in parts])])
    problems = table.problems()
    assert len(problems) == 1 and "5000" in problems[0] and "4999" in problems[0]
    total.cells[0] = 5000
    assert table.problems() == []
    table.rows[0] = Row("broker-0", "Broker 0", [2, Share(1, 2)])  # a part replaced: the next check reads it
    assert len(table.problems()) == 1


SHARES = st.builds(Share, st.integers(0, 5), st.integers(0, 5))
PLAIN = st.one_of(
    st.none(), st.booleans(), st.integers(), st.decimals(allow_nan=False, places=1), st.dates(), st.text()
)
CELLS = st.one_of(
    PLAIN, SHARES, st.builds(Scored, st.one_of(SHARES, st.integers()), st.sampled_from(list(LIGHT_LABELS)))
)


@given(cell=CELLS)
def test_the_spreadsheet_reads_a_cells_slots_from_its_kind_as_writing_it_gives_them(cell):
    with translation.override("da"):
        assert set(presentation.xlsx_slot_names(cell)) == set(presentation.xlsx_slots(cell))
    if isinstance(cell, Scored):
        with translation.override("da"):
            assert (
                cell.light_label
                == {"green": "grønt", "amber": "gult", "red": "rødt", "none": "ikke vurderet"}[cell.light]
            )
