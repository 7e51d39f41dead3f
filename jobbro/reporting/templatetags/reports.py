from django import template

from jobbro.reporting import presentation
from jobbro.reporting.base import Scored

register = template.Library()


@register.filter
def cell_text(cell):
    return presentation.cell_text(cell)


@register.filter
def is_numeric(cell):
    return presentation.is_numeric(cell)


@register.filter
def light(cell):
    """The traffic light of a scored cell, or '' for any other cell."""
    return cell.light if isinstance(cell, Scored) else ""
