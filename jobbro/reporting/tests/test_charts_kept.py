"""A chart drawn again from the same figures in the same language is the one already drawn; anything else is new."""

import datetime
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from jobbro.reporting import charts


def draw(values, **extra):
    return charts.bars(["Aarhus", "Randers"], {"Borgere": values}, description="Borgere pr. lokation", **extra)


def test_the_same_figures_give_back_the_chart_already_drawn():
    first = draw([3, 4])
    assert draw([3, 4]) is first
    assert draw([Decimal("3.0"), 4]) is not first, "a Decimal is another input (it is drawn the same, but kept apart)"


def test_changed_figures_labels_or_options_draw_a_new_chart():
    first = draw([5, 6])
    assert draw([5, 7]) is not first and draw([5, 7]).svg != first.svg
    assert draw([5, 6], horizontal=True).svg != first.svg
    renamed = charts.bars(["Aarhus", "Silkeborg"], {"Borgere": [5, 6]}, description="Borgere pr. lokation")
    assert "Silkeborg" in renamed.svg and "Silkeborg" not in first.svg


def test_each_language_has_its_own_chart_with_its_own_numbers_and_labels():
    label = gettext_lazy("Citizens")
    dates = [datetime.date(2026, 1, 5), datetime.date(2026, 2, 2)]
    with translation.override("da"):
        danish = charts.lines(dates, {"A": [Decimal("1.5"), Decimal("2.5")]}, ylabel=label, description="d")
    with translation.override("en"):
        english = charts.lines(dates, {"A": [Decimal("1.5"), Decimal("2.5")]}, ylabel=label, description="d")
    assert danish is not english
    assert "Borgere" in danish.svg and "Citizens" in english.svg
    assert "05.01.2026" in danish.svg


def test_an_input_that_is_not_plain_figures_is_drawn_every_time():
    class Site:
        def __str__(self):
            return "Aarhus"

    first = charts.bars([Site()], {"Borgere": [1]}, description="d")
    assert charts.bars([Site()], {"Borgere": [1]}, description="d") is not first


def test_only_the_latest_charts_are_kept():
    oldest = draw([100, 0])
    for n in range(charts.KEPT_CHARTS):
        draw([101 + n, 0])
    assert draw([100, 0]) is not oldest
