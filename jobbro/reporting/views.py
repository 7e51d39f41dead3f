"""The reports pages: an index, one page per report with its xlsx and PDF, and the data-quality page.

Reports are aggregates: coordinators, managers, evaluators and administrators see them, for the sites their
memberships cover. No report page names a citizen; the data-quality page lists the citizens behind a finding
only to staff who may see named citizens.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import Enrolment
from jobbro.reporting import export, quality
from jobbro.reporting.forms import ScopeForm
from jobbro.reporting.registry import BY_SLUG, REPORTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_form(request):
    if not may(request.user, Capability.READ_ALL_REPORTS):
        raise Http404
    return ScopeForm(request.user, request.GET)


def _entry(slug):
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise Http404 from None


def _links(form):
    query = form.query() if form.is_valid() else ""
    return [{"entry": entry, "url": f"{reverse('report', args=[entry.slug])}?{query}"} for entry in REPORTS], query


@login_required
def index(request):
    form = _scope_form(request)
    links, query = _links(form)
    return render(request, "reporting/index.html", {"form": form, "links": links, "query": query})


@login_required
def report_page(request, slug):
    entry = _entry(slug)
    form = _scope_form(request)
    links, query = _links(form)
    context = {"form": form, "entry": entry, "links": links, "query": query}
    if form.is_valid():
        report = entry.build(form.scope())
        # The record checks read every timesheet; the page leaves them to the data-quality page it links to,
        # while every export runs them and prints any failure on its first page.
        context.update(report=report, problems=report.problems())
    return render(request, "reporting/report.html", context)


def _export(request, slug, render_file, content_type, extension):
    entry = _entry(slug)
    form = _scope_form(request)
    if not form.is_valid():
        # The page shows the same form with its errors; an export never guesses a scope.
        return report_page(request, slug)
    scope = form.scope()
    report = entry.build(scope)
    response = HttpResponse(render_file(report, quality.findings(scope)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report, extension)}"'
    return response


@login_required
def report_xlsx(request, slug):
    return _export(request, slug, export.report_xlsx, XLSX, "xlsx")


@login_required
def report_pdf(request, slug):
    return _export(request, slug, export.report_pdf, "application/pdf", "pdf")


@login_required
def data_quality(request):
    form = _scope_form(request)
    links, query = _links(form)
    context = {"form": form, "links": links, "query": query}
    if form.is_valid():
        scope = form.scope()
        findings = quality.findings(scope)
        problems = [problem for entry in REPORTS for problem in entry.build(scope).problems()]
        context.update(scope=scope, findings=_with_citizens(request.user, findings), problems=problems)
    return render(request, "reporting/quality.html", context)


def _with_citizens(user, findings):
    """Each finding with the citizens behind it, for staff who may open their records; counts only for others."""
    if not may(user, Capability.READ_CITIZEN):
        return [(finding, []) for finding in findings]
    wanted = {pk for finding in findings for pk in finding.enrolment_ids}
    visible = access.scope_enrolments(Enrolment.objects.filter(pk__in=wanted), user).select_related("citizen")
    by_pk = {enrolment.pk: enrolment for enrolment in visible}
    return [(finding, [by_pk[pk] for pk in finding.enrolment_ids if pk in by_pk]) for finding in findings]
