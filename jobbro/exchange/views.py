"""The exchange formats' pages: the CV for the job database (a download from the citizen's CV page) and the
placements and hours for the case system (a page choosing site and period, and its xlsx and CSV downloads).

Only roles with Capability.EXCHANGE_CASE_DATA; anyone else, and a citizen or site out of the user's scope, gets 404.
Every citizen in a file is logged as read (the CV through @logs_citizen_read, the case system's file per citizen),
and every CPR number in a file as revealed (people.actions.reveal_cpr).
"""

import csv
import datetime
import io
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jobbro import filenames
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.days import today
from jobbro.exchange import case_system as case_system_format
from jobbro.exchange import jobnet
from jobbro.exchange.forms import CaseSystemExportForm
from jobbro.people.access import access_citizen
from jobbro.people.actions import reveal_cpr
from jobbro.spreadsheets import append_row, safe_cell, styled_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(user):
    if not may(user, Capability.EXCHANGE_CASE_DATA):
        raise Http404


# --- The CV for the job database -----------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
@logs_citizen_read
def cv_json(request, citizen_pk):
    """The citizen's CV as a JSON file in the job database's structure; with ?cpr=1 the CPR number too, for a user
    who may reveal it (logged as a reveal)."""
    _require(request.user)
    citizen = access_citizen(request.user, citizen_pk)
    number = None
    if request.GET.get("cpr") == "1":
        if not may(request.user, Capability.REVEAL_CPR):
            raise Http404
        number = reveal_cpr(acting_user=request.user, citizen=citizen, view="exchange_cv_json")
    document = jobnet.cv_document(citizen, reader_user=request.user, cpr_number=number)
    # The file name carries no personal data: the CV's kind and the date.
    name = filenames.file_name(_("CV for the job database"), "json", on=today())
    return filenames.download(jobnet.to_json(document), "application/json; charset=utf-8", name)


# --- Placements and hours for the case system ----------------------------------------------------------------------


def _form(request):
    _require(request.user)
    return CaseSystemExportForm(request.user, request.GET)


@login_required
@require_GET
def case_system(request):
    form = _form(request)
    context = {"form": form, "title": _("Placements and hours for the case system")}
    if form.is_valid():
        data = form.cleaned_data
        context["query"] = urlencode(
            {"site": data["site"].pk, "first": f"{data['first']:%Y-%m-%d}", "last": f"{data['last']:%Y-%m-%d}"}
        )
        context["placement_columns"] = case_system_format.PLACEMENT_COLUMNS
        context["hours_columns"] = case_system_format.HOURS_COLUMNS
    context["may_reveal_cpr"] = may(request.user, Capability.REVEAL_CPR)
    return render(request, "exchange/case_system.html", context)


def _export(request):
    form = _form(request)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    return case_system_format.export(request.user, data["site"], data["first"], data["last"])


def _file_name(result, extension):
    name = _("Case system placements and hours") + " " + result.site.name
    return filenames.file_name(name, extension, on=result.last)


@login_required
@never_cache
@require_GET
def case_system_xlsx(request):
    """One workbook, two sheets named as the import reads them: Sagssystem forløb and Sagssystem timer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    result = _export(request)
    workbook = Workbook(write_only=True)
    for sheet_def, header, rows in (
        (case_system_format.PLACEMENTS_SHEET, result.placement_header, result.placement_rows),
        (case_system_format.HOURS_SHEET, result.hours_header, result.hours_rows),
    ):
        sheet = workbook.create_sheet(sheet_def.da)
        append_row(sheet, [styled_cell(sheet, label, font=Font(bold=True)) for label in header])
        for values in rows:
            append_row(sheet, [_xlsx_cell(sheet, value) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return filenames.download(buffer.getvalue(), XLSX, _file_name(result, "xlsx"))


def _xlsx_cell(sheet, value):
    """Dates and hours as a Danish spreadsheet shows them; text as it is (append_row makes it safe)."""
    if isinstance(value, datetime.date):
        return styled_cell(sheet, value, number_format="DD.MM.YYYY")
    if isinstance(value, Decimal):
        return styled_cell(sheet, value, number_format="0.0")
    return value


@login_required
@never_cache
@require_GET
def case_system_csv(request):
    """One sheet as a semicolon-separated file (?sheet=forloeb or timer), named so the import recognises it."""
    part = request.GET.get("sheet", "forloeb")
    if part not in ("forloeb", "timer"):
        raise Http404
    result = _export(request)
    if part == "forloeb":
        header, rows, sheet_name = (
            result.placement_header,
            result.placement_rows,
            case_system_format.PLACEMENTS_SHEET.da,
        )
    else:
        header, rows, sheet_name = result.hours_header, result.hours_rows, case_system_format.HOURS_SHEET.da
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for values in rows:
        writer.writerow([case_system_format.csv_cell(safe_cell(value)) for value in values])
    # Named after its sheet and site; the import recognises the file by its header row.
    name = filenames.file_name(sheet_name + " " + result.site.name, "csv", on=result.last)
    return filenames.download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", name)
