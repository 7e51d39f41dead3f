"""The self-assessment chart on the citizen page: one line per question on the 1–10 scale, drawn as plain SVG."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from jobbro.cases.progression_chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, scores_svg

SVG = "{http://www.w3.org/2000/svg}"
JAN = datetime.date(2026, 1, 5)


def parsed(svg):
    return ET.fromstring(svg)


def polylines(root):
    return [
        [tuple(float(c) for c in point.split(",")) for point in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    ]


def texts(root):
    return [text.text for text in root.iter(f"{SVG}text")]


def test_each_question_is_one_line_with_a_point_per_assessment():
    dates = [JAN, JAN + datetime.timedelta(days=30), JAN + datetime.timedelta(days=90)]
    root = parsed(scores_svg(dates, {"Sleep": [1, 10, 5], "Work ability": [2, 2, 2]}, ylabel="Score"))
    sleep, work = polylines(root)
    bottom, top = HEIGHT - BOTTOM, TOP
    assert [y for _x, y in sleep] == [bottom, top, pytest.approx(bottom - 4 / 9 * (bottom - top), abs=0.05)]
    assert len({y for _x, y in work}) == 1, "the same score is a flat line"
    # The x axis is time: 30 days is a third of the way to 90.
    xs = [x for x, _y in sleep]
    assert xs[0] == LEFT and xs[2] == WIDTH - RIGHT
    assert xs[1] == pytest.approx(LEFT + (WIDTH - RIGHT - LEFT) / 3, abs=0.05)
    assert len(list(root.iter(f"{SVG}circle"))) == 6


def test_a_missing_score_breaks_the_line_instead_of_drawing_zero():
    dates = [JAN + datetime.timedelta(days=7 * n) for n in range(4)]
    root = parsed(scores_svg(dates, {"Sleep": [3, None, 4, 6]}, ylabel="Score"))
    assert [len(line) for line in polylines(root)] == [1, 2]
    assert all(y <= HEIGHT - BOTTOM for line in polylines(root) for _x, y in line)


def test_assessments_on_the_same_day_are_spread_out_rather_than_stacked():
    root = parsed(scores_svg([JAN, JAN], {"Sleep": [3, 4]}, ylabel="Score"))
    (line,) = polylines(root)
    assert line[0][0] < line[1][0]


def test_dates_are_written_as_the_language_writes_them_and_labels_are_escaped():
    with translation.override("da"):
        svg = scores_svg([JAN, JAN + datetime.timedelta(days=14)], {"Søvn <& træthed>": [5, 6]}, ylabel="Score (1–10)")
    root = parsed(svg)
    assert "05.01.2026" in texts(root) and "19.01.2026" in texts(root)
    assert "Søvn <& træthed>" in texts(root), "the label round-trips through XML, so it was escaped"
    assert "Score (1–10)" in texts(root)
    assert [str(n) for n in range(1, 11)] == [t for t in texts(root) if t.isdigit()]


def test_the_chart_needs_no_style_element_under_the_content_security_policy():
    svg = scores_svg([JAN, JAN + datetime.timedelta(days=1)], {"Sleep": [1, 2]}, ylabel="Score")
    assert "<style" not in svg and "style=" not in svg and "<script" not in svg


def test_many_assessments_label_only_every_few_dates_so_they_stay_readable():
    dates = [JAN + datetime.timedelta(days=7 * n) for n in range(20)]
    root = parsed(scores_svg(dates, {"Sleep": [5] * 20}, ylabel="Score"))
    date_labels = [t for t in texts(root) if t.count(".") == 2 or t.count("/") == 2 or t.count("-") == 2]
    assert 2 <= len(date_labels) <= 8
