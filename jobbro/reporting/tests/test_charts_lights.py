"""The traffic-light chart does not rely on colour alone (WCAG 1.4.1): each light has a shape of its own, and the
legend names every light shown, in the reader's language."""

import re

from django.utils import translation

from jobbro.reporting import charts
from jobbro.reporting.base import LIGHT_LABELS

GRID = [["green", "amber"], ["red", "none"]]


def chart(language):
    with translation.override(language):
        labels = {light: translation.gettext(label) for light, label in LIGHT_LABELS.items()}
        return charts.lights(["Nord", "Syd"], ["A", "B"], GRID, description="Lys", labels=labels).svg


def marker_paths(svg):
    """The distinct marker outlines drawn (matplotlib writes one <path> definition per marker shape)."""
    return set(re.findall(r'<path id="(m[0-9a-f]+)" d="([^"]+)"', svg))


def test_each_light_has_its_own_shape():
    shapes = {d for _id, d in marker_paths(chart("da"))}
    assert len(shapes) == 4, "circle, triangle, square and diamond"


def test_the_legend_names_each_light_in_the_readers_language():
    danish = chart("da")
    for word in ("grøn", "gul", "rød"):
        assert word in danish.lower(), word
    english = chart("en")
    for word in ("green", "amber", "red", "not scored"):
        assert word in english, word
