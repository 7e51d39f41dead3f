"""The benefits office's monthly list of hours and wages: the page, its xlsx and CSV exports, and "mark as sent".

What the list holds and why (docs/wages.md): per citizen with ordinary paid hours in the month, the hours and the gross
wage (cases/wage_list.py). The citizen is identified by name and, in the exports, by the CPR number only for a user
the role table lets reveal CPR numbers (Capability.REVEAL_CPR), each number revealed logged in the access log as a
CPR reveal (people/actions.py reveal_cpr); anyone else gets the birth date, masked to its year unless the role table
lets them see the full birth date (Capability.SEE_BIRTH_DATE). The page itself never shows a CPR number. Nothing
typed about a citizen (notes, purposes, reasons) is ever on the list.
"""

import csv
import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jobbro import filenames
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_reads
from jobbro.cases import actions, wage_list
from jobbro.days import today
from jobbro.people.actions import reveal_cpr
from jobbro.people.models import Citizen
from jobbro.spreadsheets import append_row, safe_cell, styled_cell

EXPORT_VIEW = "wage_list_export"


def _require(user):
    if not may(user, Capability.SEND_WAGE_LIST):
        raise Http404


def _chosen(request):
    """(unit, month, all units) from the address: the unit asked for (404 if the user may not list it) or the first
    the user may list; the month asked for or last month, never one that has not begun."""
    units = wage_list.units_for(request.user)
    if "unit" in request.GET:  # the page's own choice: "programme-site" (site empty for the whole programme)
        programme_pk, _dash, site_pk = request.GET["unit"].partition("-")
        unit = wage_list.unit_for(request.user, programme_pk, site_pk)
    elif "programme" in request.GET:
        unit = wage_list.unit_for(request.user, request.GET.get("programme"), request.GET.get("site"))
    else:
        unit = units[0] if units else None
    last_month = wage_list.previous_month(today())
    month = wage_list.parse_month(request.GET.get("month")) or last_month
    month = min(month, today().replace(day=1))
    return unit, month, units


def _query(unit, month, **extra):
    params = {"programme": unit.programme.pk, "month": month.strftime("%Y-%m")}
    if unit.site is not None:
        params["site"] = unit.site.pk
    params.update(extra)
    return "?" + urlencode(params)


def unit_label(unit):
    return f"{unit.programme.name} – {unit.site.name}" if unit.site is not None else unit.programme.name


def month_label(month):
    return formats.date_format(month, "F Y")


def _citizens(pks):
    return {
        citizen.pk: citizen
        for citizen in Citizen.objects.filter(pk__in=list(pks)).only("pk", "first_name", "last_name", "birth_date")
    }


def birth_date_text(user, citizen):
    """The birth date as the role table lets the user see it: in full, or masked to its year."""
    if may(user, Capability.SEE_BIRTH_DATE):
        return f"{citizen.birth_date:%d.%m.%Y}"
    return f"**.**.{citizen.birth_date:%Y}"


def _sorted(citizens, pks):
    return sorted(pks, key=lambda pk: (citizens[pk].last_name.lower(), citizens[pk].first_name.lower(), pk))


# --- The page ------------------------------------------------------------------------------------------------------


@login_required
def wage_list_page(request):
    _require(request.user)
    unit, month, units = _chosen(request)
    context = {"units": units, "unit": unit, "month": month, "title": _("Hours and wages for the benefits office")}
    if unit is None:
        return render(request, "cases/wage_list.html", context)
    statuses = wage_list.month_statuses(unit, wage_list.previous_month(today()))
    status = next((s for s in statuses if s.month == month), None) or wage_list.month_status(unit, month)
    differences = {d.citizen_id: d for d in status.differences}
    citizens = _citizens(set(status.figures) | set(differences))
    rows = [
        {
            "citizen": citizens[pk],
            "birth_date": birth_date_text(request.user, citizens[pk]),
            "figure": status.figures.get(pk, wage_list.NO_FIGURE),
            "difference": differences.get(pk),
        }
        for pk in _sorted(citizens, citizens)
    ]
    log_reads(user=request.user, citizen_pks=list(citizens), view="wage_list", status_code=200)
    caseload = wage_list.unsent_in_caseload(request.user, unit, statuses)
    mine = _citizens({pk for pks in caseload.values() for pk in pks})
    context.update(
        {
            "status": status,
            "rows": rows,
            "statuses": statuses,
            "month_label": month_label(month),
            "unit_label": unit_label(unit),
            "has_ended": wage_list.month_has_ended(month, today()),
            "caseload": [
                {"month": m, "citizens": [mine[pk] for pk in _sorted(mine, pks)], "query": _query(unit, m)}
                for m, pks in sorted(caseload.items(), reverse=True)
            ],
            "query": _query(unit, month),
            "month_rows": [(s, _query(unit, s.month)) for s in statuses],
            "corrections_query": _query(unit, month, corrections=1),
            "may_reveal_cpr": may(request.user, Capability.REVEAL_CPR),
            "total_hours": sum((f.hours for f in status.figures.values()), wage_list.ZERO_HOURS),
            "total_pay": sum((f.gross_pay for f in status.figures.values()), wage_list.ZERO_PAY),
        }
    )
    return render(request, "cases/wage_list.html", context)


@login_required
@require_POST
def wage_list_send(request):
    """Mark the month's list (or its correction list) as sent: one click per month."""
    _require(request.user)
    unit, month, _units = _chosen(request)
    if unit is None:
        raise Http404
    correction = request.POST.get("correction") == "1"
    try:
        sending = actions.mark_wage_list_sent(acting_user=request.user, unit=unit, month=month, correction=correction)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            (
                _("The correction list for %(month)s is marked as sent on %(date)s.")
                if correction
                else _("The list for %(month)s is marked as sent on %(date)s.")
            )
            % {"month": month_label(month), "date": formats.date_format(sending.sent_on, "SHORT_DATE_FORMAT")},
        )
    return redirect(reverse("wage_list") + _query(unit, month))


# --- The exports ---------------------------------------------------------------------------------------------------


def export_rows(user, unit, month, *, corrections=False):
    """(header, rows) of the list or its correction list, the same for xlsx and CSV. Each CPR number in it is
    revealed through people/actions.py reveal_cpr, which logs it per citizen."""
    status = wage_list.month_status(unit, month)
    with_cpr = may(user, Capability.REVEAL_CPR)
    identity = _("CPR number") if with_cpr else _("Birth date")
    if corrections:
        differences = status.differences
        citizens = _citizens(d.citizen_id for d in differences)
        by_pk = {d.citizen_id: d for d in differences}
        header = [
            _("Month"),
            _("Name"),
            identity,
            _("Ordinary paid hours sent"),
            _("Ordinary paid hours now"),
            _("Difference in hours"),
            _("Gross wage sent (kr.)"),
            _("Gross wage now (kr.)"),
            _("Difference in gross wage (kr.)"),
        ]
        pks = _sorted(citizens, citizens)
    else:
        citizens = _citizens(status.figures)
        header = [
            _("Month"),
            _("Name"),
            identity,
            _("Ordinary paid hours"),
            _("Gross wage (kr.)"),
            _("Weeks without an hourly wage"),
        ]
        pks = _sorted(citizens, citizens)
    rows = []
    for pk in pks:
        citizen = citizens[pk]
        if with_cpr:
            digits = reveal_cpr(acting_user=user, citizen=citizen, view=EXPORT_VIEW)
            who = f"{digits[:6]}-{digits[6:]}"  # as the benefits office writes it: DDMMÅÅ-XXXX
        else:
            who = birth_date_text(user, citizen)
        start = [month_label(month), citizen.full_name, who]
        if corrections:
            d = by_pk[pk]
            rows.append(start + [d.sent.hours, d.now.hours, d.hours, d.sent.gross_pay, d.now.gross_pay, d.gross_pay])
        else:
            figure = status.figures[pk]
            rows.append(start + [figure.hours, figure.gross_pay, figure.weeks_without_wage])
    if not with_cpr:
        log_reads(user=user, citizen_pks=pks, view=EXPORT_VIEW, status_code=200)
    return header, rows


def file_name(month, extension, *, corrections=False):
    """timer-og-loen-november-2026.xlsx (in Danish), the correction list korrektion-timer-og-loen-november-2026.xlsx."""
    name = _("Hours and wages") + " " + month_label(month)
    if corrections:
        name = _("Correction") + " " + name
    return filenames.file_name(name, extension)


def _export_request(request):
    _require(request.user)
    unit, month, _units = _chosen(request)
    if unit is None:
        raise Http404
    corrections = request.GET.get("corrections") == "1"
    header, rows = export_rows(request.user, unit, month, corrections=corrections)
    return unit, month, corrections, header, rows


@login_required
@never_cache
def wage_list_xlsx(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    unit, month, corrections, header, rows = _export_request(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Hours and wages")[:31])
    title = f"{_('Hours and wages')} – {unit_label(unit)} – {month_label(month)}"
    if corrections:
        title = f"{_('Correction')}: {title}"
    append_row(sheet, [styled_cell(sheet, title, font=Font(bold=True, size=13))])
    append_row(sheet, [styled_cell(sheet, label, font=Font(bold=True)) for label in header])
    money_from = 4 if not corrections else 6  # the columns of kroner get two decimals, hours one
    for values in rows:
        cells = []
        for index, value in enumerate(values):
            if index >= 3 and not isinstance(value, str):
                money = (not corrections and index == 4) or (corrections and index >= money_from)
                is_count = not corrections and index == 5
                cells.append(
                    styled_cell(sheet, value, number_format="0" if is_count else "#,##0.00" if money else "0.0")
                )
            else:
                cells.append(value)
        append_row(sheet, cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return filenames.download(
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name(month, "xlsx", corrections=corrections),
    )


def csv_number(value):
    """A number as Danish spreadsheet programs read it from a semicolon-separated file: a decimal comma."""
    return str(value).replace(".", ",") if isinstance(value, Decimal) else value


@login_required
@never_cache
def wage_list_csv(request):
    _unit, month, corrections, header, rows = _export_request(request)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(label) for label in header])
    for values in rows:
        # Text is neutralised (safe_cell); the computed numbers stay numbers, written with a decimal comma.
        writer.writerow([csv_number(safe_cell(value)) for value in values])
    # With a byte-order mark, so Excel opens the Danish letters as UTF-8.
    return filenames.download(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        "text/csv; charset=utf-8",
        file_name(month, "csv", corrections=corrections),
    )


__all__ = ["wage_list_csv", "wage_list_page", "wage_list_send", "wage_list_xlsx"]
