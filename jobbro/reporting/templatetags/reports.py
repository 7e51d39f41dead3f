from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

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


@register.simple_tag
def table_rows(table):
    """The rows of a report table's body as HTML.

    Built here rather than in the template: a table with a row per job broker has hundreds of rows of a dozen
    cells, and the template language spent about ten times as long per cell as this does."""
    if not table.rows:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.columns) + 1, gettext("Nothing to count in this scope.")
        )
    # Safe: every part is escaped by format_html or conditional_escape below.
    return mark_safe("\n".join(_row_html(row) for row in table.rows))


def _row_html(row):
    note = format_html('<br><small class="jb-muted">{}</small>', row.note) if row.note else ""
    cells = "".join(_cell_html(cell) for cell in row.cells)
    return format_html(
        '<tr data-row="{}">\n<th scope="row">{}{}</th>\n{}</tr>', row.key, row.label, note, mark_safe(cells)
    )


def _cell_html(cell):
    if presentation.is_failed(cell):
        # A share that fails its check: the counts and the warning, never a percent.
        share = cell.value if isinstance(cell, Scored) else cell
        counts, warning = presentation.failed_share_parts(share)
        return format_html(
            '<td class="jb-num jb-failed" data-failed="true">{} <strong class="jb-failed-warning">'
            '<span aria-hidden="true">⚠</span> {}</strong></td>',
            counts,
            warning,
        )
    numeric = ' class="jb-num"' if presentation.is_numeric(cell) else ' class=""'
    text = conditional_escape(presentation.cell_text(cell))
    shown = light(cell)
    if shown:
        text = format_html(
            '<span class="jb-light jb-light--{}"><span aria-hidden="true" class="jb-light-dot"></span>'
            '<span class="sr-only">{}: </span>{}</span>',
            shown,
            cell.light_label,
            text,
        )
    return f"<td{numeric}>{text}</td>"
