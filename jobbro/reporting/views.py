"""The reports pages: an index, one page per report with its xlsx and PDF, and the data-quality page.

Reports are aggregates: coordinators, managers, evaluators and administrators see them, for the sites their
memberships cover. No report page names a citizen; the data-quality page lists the citizens behind a finding
only to staff who may see named citizens.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.cases.models import Enrolment
from jobbro.reporting import export, presentation, quality
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
        # The figures' own checks run over every row, also those of a table the page shows a page of. The record
        # checks read every timesheet; the page leaves them to the data-quality page it links to, while every
        # export runs them and prints any failure on its first page.
        tables = [_shown(table, request.GET, form.params()) for table in report.tables]
        context.update(report=report, problems=report.problems(), tables=tables)
    return render(request, "reporting/report.html", context)


def _shown(table, get, scope_params):
    """A table as the page shows it: whole, or for a table with a row per member of staff one page of them, found
    by name (`q`), in an order (`order`) and by page number (`page`), with links that keep the scope."""
    if not isinstance(table, presentation.StaffTable) or not table.staff_rows():
        return {"table": table}
    staff = presentation.staff_page(
        table, search=get.get("q", ""), order=get.get("order", ""), number=get.get("page") or 1
    )
    kept = {**scope_params, "q": staff.search, "order": staff.order}
    kept = {key: value for key, value in kept.items() if value and (key, value) != ("order", presentation.BY_NAME)}

    def href(number):
        return f"?{urlencode({**kept, 'page': number})}#staff-{table.key}"

    page = staff.page
    links = {
        "first": href(1) if page.has_previous() else "",
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "last": href(page.paginator.num_pages) if page.has_next() else "",
    }
    orders = [(presentation.BY_NAME, gettext("By name"))]
    if table.rank:
        orders += [(presentation.MOST_FIRST, table.rank_most), (presentation.FEWEST_FIRST, table.rank_fewest)]
    return {
        "table": staff.table,
        "staff": staff,
        "summary": _summary(table, staff),
        "download_note": gettext("The spreadsheet holds every row of this table, all %(all)s %(staff)s.")
        % {"all": presentation.cell_text(staff.everyone), "staff": table.staff},
        "links": links,
        "orders": orders,
        "scope_params": scope_params,
        "clear": f"?{urlencode(scope_params)}#staff-{table.key}",
    }


def _summary(table, staff):
    """Which staff rows the page shows, as a sentence."""
    counts = {
        "first": presentation.cell_text(staff.first),
        "last": presentation.cell_text(staff.last),
        "found": presentation.cell_text(staff.matching),
        "all": presentation.cell_text(staff.everyone),
        "staff": table.staff,
        "search": staff.search,
    }
    if not staff.search:
        return gettext("Showing %(first)s–%(last)s of %(all)s %(staff)s.") % counts
    if not staff.matching:
        return gettext("None of the %(all)s %(staff)s has “%(search)s” in their name.") % counts
    return (
        gettext("Showing %(first)s–%(last)s of the %(found)s of %(all)s %(staff)s with “%(search)s” in their name.")
        % counts
    )


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
        # Only the record checks: each report checks its own figures on its page and in its exports, so this page
        # never builds a report.
        scope = form.scope()
        context.update(scope=scope, findings=_with_citizens(request.user, quality.findings(scope)))
    return render(request, "reporting/quality.html", context)


def _with_citizens(user, findings):
    """Each finding with the citizens behind it, for staff who may open their records; counts only for others."""
    if not may(user, Capability.READ_CITIZEN):
        return [(finding, []) for finding in findings]
    wanted = {pk for finding in findings for pk in finding.enrolment_ids}
    visible = access.scope_enrolments(Enrolment.objects.filter(pk__in=wanted), user).select_related("citizen")
    by_pk = {enrolment.pk: enrolment for enrolment in visible}
    return [(finding, [by_pk[pk] for pk in finding.enrolment_ids if pk in by_pk]) for finding in findings]
