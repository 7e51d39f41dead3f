"""The effect report's pages: /reports/effect/ (choose a programme and an as-of date, compute, read), the polled state
of a run, and the report's spreadsheet and PDF.

Managers and evaluators only (capability READ_EFFECT), for the programmes they are members of; anyone else gets 404,
as for a page that does not exist. The report is built from a done run's result (jobbro/effect/report.py), which
holds no name, CPR number or project key; the exports are the same Report through jobbro/reporting/export.py.
"""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.policy import Capability, may
from jobbro.days import today
from jobbro.effect import report as effect_report
from jobbro.effect import runs
from jobbro.effect.models import EffectRun
from jobbro.formtools import DesignSystemForm
from jobbro.reporting import export
from jobbro.reporting.forms import DATE_INPUTS
from jobbro.reporting.registry import REPORTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EffectForm(DesignSystemForm):
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"), empty_label=None)
    # A date field (the browser shows it in the reader's format, 22.11.2026 in Danish); typed dates are read as
    # 22.11.2026 or 2026-11-22 too.
    on = forms.DateField(label=_("As of"), input_formats=DATE_INPUTS)

    def __init__(self, user, data=None):
        programmes = runs.readable_programmes(user).order_by("name")
        first = programmes.first()
        initial = {"programme": first.pk if first else None, "on": today()}
        bound = {**initial, **{key: value for key, value in (data or {}).items() if value not in (None, "")}}
        super().__init__(bound, initial=initial)
        self.fields["programme"].queryset = programmes

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > today():
            raise forms.ValidationError(_("The date cannot be later than today: the analysis reads what has happened."))
        if on < datetime.date(2000, 1, 1):
            raise forms.ValidationError(_("Choose a date in 2000 or later."))
        return on

    def query(self):
        data = self.cleaned_data
        return urlencode({"programme": data["programme"].pk, "on": data["on"].isoformat()})


def _gate(request):
    if not may(request.user, Capability.READ_EFFECT):
        raise Http404


def _links():
    return [{"entry": entry, "url": reverse("report", args=[entry.slug])} for entry in REPORTS]


def _run_or_404(request):
    """The run named by ?run=, if the reader may read its programme's effect report; 404 otherwise."""
    try:
        pk = int(request.GET.get("run", ""))
    except ValueError:
        raise Http404 from None
    run = (
        EffectRun.objects.select_related("programme", "mapping")
        .filter(pk=pk, programme__in=runs.readable_programmes(request.user))
        .first()
    )
    if run is None:
        raise Http404
    return run


@login_required
def effect_page(request):
    _gate(request)
    data = request.POST if request.method == "POST" else request.GET
    form = EffectForm(request.user, data)
    context = {"form": form, "links": _links(), "entry": None, "title": effect_report.TITLE}
    if request.method == "POST":
        if form.is_valid() and request.POST.get("do") == "show":
            return redirect(f"{reverse('effect_report')}?{form.query()}")
        if form.is_valid():
            try:
                runs.request_run(request.user, form.cleaned_data["programme"], form.cleaned_data["on"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(f"{reverse('effect_report')}?{form.query()}")
        return render(request, "effect/report.html", context)
    if form.is_valid():
        runs.fail_lost_runs()
        run = (
            EffectRun.objects.select_related("programme", "mapping", "requested_by")
            .filter(programme=form.cleaned_data["programme"], as_of=form.cleaned_data["on"])
            .first()
        )
        context.update(run=run, query=form.query())
        if run is not None and run.state == EffectRun.State.DONE:
            report = effect_report.build(run)
            context.update(report=report, problems=report.problems())
    return render(request, "effect/report.html", context)


@login_required
def effect_run_state(request):
    """The polled state of a run; when it has finished the page reloads to show the report or the failure."""
    _gate(request)
    if "run" not in request.GET:
        return redirect("effect_report")
    run = _run_or_404(request)
    runs.fail_lost_runs()
    run.refresh_from_db()
    if run.state in (EffectRun.State.DONE, EffectRun.State.FAILED):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "effect/report.html#state", {"run": run})


def _export(request, render_file, content_type, extension):
    _gate(request)
    if "run" not in request.GET:
        return redirect("effect_report")
    run = _run_or_404(request)
    if run.state != EffectRun.State.DONE:
        raise Http404
    report = effect_report.build(run)
    # The record checks (jobbro/reporting/quality.py) concern the case records, not the register's figures: the
    # export's first page gives the report's own checks.
    response = HttpResponse(render_file(report, []), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report, extension)}"'
    return response


@login_required
def effect_xlsx(request):
    return _export(request, export.report_xlsx, XLSX, "xlsx")


@login_required
def effect_pdf(request):
    return _export(request, export.report_pdf, "application/pdf", "pdf")
