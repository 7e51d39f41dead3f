"""The spreadsheets of a questionnaire: its results, and the links of a sending for staff to hand over.

Both are written through the formula-neutralising writer (jobbro/spreadsheets.py): a question, an option or a
free-text answer starting with = stays text. A withheld count is written as words ("fewer than 5"), never a number.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from jobbro.days import today
from jobbro.spreadsheets import append_row, styled_cell
from jobbro.surveys.results import Withheld

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    return str(value) if isinstance(value, Withheld) else value


def _save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def results_xlsx(questionnaire, rates, questions):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Response rate")[:31])
    bold = Font(bold=True)
    append_row(sheet, [styled_cell(sheet, questionnaire.title, font=Font(bold=True, size=13))])
    append_row(sheet, [questionnaire.programme.name, questionnaire.get_audience_display()])
    append_row(sheet, [_("As of"), today()])
    for problem in rates.problems:
        append_row(sheet, [_("Check failed"), problem])
    append_row(sheet, [])
    append_row(
        sheet,
        [
            styled_cell(sheet, label, font=bold)
            for label in (_("Site"), _("Invited"), _("Answered"), _("Response rate (%)"))
        ],
    )
    for label, rate in [*rates.rows, (_("Total"), rates.total)]:
        percent = rate.percent
        append_row(
            sheet,
            [label, rate.invited, rate.answered, percent if rate.is_possible else _("impossible figure")],
        )
    answers = workbook.create_sheet(_("Answers")[:31])
    append_row(answers, [styled_cell(answers, label, font=bold) for label in (_("Question"), _("Answer"), _("Number"))])
    for result in questions:
        question = result.question
        append_row(answers, [question.text, _("Answered the question"), result.answered])
        for label, count in result.options:
            append_row(answers, [question.text, label, _cell(count)])
        if result.mean is not None:
            append_row(answers, [question.text, _("Mean (1–5)"), _cell(result.mean)])
        for text in result.texts or []:
            append_row(answers, [question.text, text, None])
    return _save(workbook)


def links_xlsx(questionnaire, rows):
    """rows: [(recipient, site, link)]."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Links")[:31])
    bold = Font(bold=True)
    append_row(sheet, [styled_cell(sheet, questionnaire.title, font=Font(bold=True, size=13))])
    append_row(sheet, [styled_cell(sheet, label, font=bold) for label in (_("Recipient"), _("Site"), _("Link"))])
    for recipient, site, link in rows:
        append_row(sheet, [recipient, site, link])
    return _save(workbook)
