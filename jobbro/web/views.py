"""Pages. Each fetches through the access helpers; citizen pages log every read."""

import datetime
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from jobbro.accounts import access
from jobbro.accounts.models import User
from jobbro.accounts.policy import Capability, may, roles_with, start_page
from jobbro.audit.log import logs_citizen_read
from jobbro.cases import placement_views, progression_views, timeline
from jobbro.cases import views as case_views
from jobbro.cases.actions import monday_of
from jobbro.cases.models import Enrolment, Placement, Timesheet
from jobbro.companies.board_export import PDF_MAX_OPENINGS, board_openings
from jobbro.companies.forms import OpeningFilterForm
from jobbro.companies.models import Company, CompanyContact, NetworkAgreement, Opening
from jobbro.days import today
from jobbro.people import actions as people_actions
from jobbro.people import cpr
from jobbro.people import views as people_views
from jobbro.people.access import access_citizen
from jobbro.people.models import Citizen
from jobbro.pickers import TEXT_SUFFIX
from jobbro.reporting import company_facts
from jobbro.reporting import result_goals as goals
from jobbro.web.forms import CitizenFilterForm, CitizenSearchForm, CompanyFilterForm, FindByCprForm

PAGE_SIZE = 50


@login_required
def home(request):
    return redirect(start_page(request.user))


def _with_current_placement_and_last_week(enrolments):
    """Annotate enrolments with their running placement and last ISO week's hours, in the same query."""
    on = today()
    last_week = monday_of(on) - datetime.timedelta(days=7)
    running = Placement.objects.running_on(on).filter(enrolment=OuterRef("pk")).order_by("-starts_on")
    week = Timesheet.objects.filter(placement__enrolment=OuterRef("pk"), week_start=last_week).values(
        "placement__enrolment"
    )
    zero = Value(0, output_field=DecimalField(max_digits=5, decimal_places=1))
    return enrolments.annotate(
        placement_company=Subquery(running.values("company__name")[:1]),
        placement_kind=Subquery(running.values("kind")[:1]),
        ordinary_last_week=Coalesce(Subquery(week.annotate(s=Sum("ordinary_hours")).values("s")[:1]), zero),
        internship_last_week=Coalesce(Subquery(week.annotate(s=Sum("internship_hours")).values("s")[:1]), zero),
        has_sheet_last_week=Subquery(week.annotate(n=Count("id")).values("n")[:1]),
        # The company's word on those weeks, given through its link (jobbro/portal): confirmed, or a correction waiting.
        company_confirmed_last_week=Subquery(
            week.filter(
                company_confirmed_at__isnull=False,
                company_corrected_hours__isnull=True,
                company_corrected_internship_hours__isnull=True,
            )
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        company_corrected_last_week=Subquery(
            week.filter(Q(company_corrected_hours__isnull=False) | Q(company_corrected_internship_hours__isnull=False))
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
    )


def _placement_kind_labels():
    from jobbro.cases.models import PlacementKind

    return dict(PlacementKind.choices)


@login_required
def caseload(request):
    user = request.user
    # The citizens one is job broker or mentor for: only the roles with an own caseload (the menu's rule too); an
    # evaluator, manager or coordinator (or a superuser of those roles) has none and gets 404 like any denial.
    if not (may(user, Capability.OWN_CASELOAD) and may(user, Capability.READ_CITIZEN)):
        raise Http404
    # The ids first, by the job broker's and mentor's indexes: asked in one query with the order by name, SQLite
    # walks every citizen in name order to find the user's few dozen. The caseload is the one definition, within
    # the user's access (cases/models.py).
    ids = list(Enrolment.objects.caseload_of(user).active_on(today()).order_by().values_list("pk", flat=True))
    enrolments = Enrolment.objects.filter(pk__in=ids)
    enrolments = _with_current_placement_and_last_week(enrolments.select_related("citizen", "site", "programme"))
    enrolments = enrolments.order_by("citizen__last_name", "citizen__first_name")
    last_week = monday_of(today()) - datetime.timedelta(days=7)
    return render(
        request,
        "web/caseload.html",
        {
            "enrolments": enrolments,
            "kind_labels": _placement_kind_labels(),
            "last_week": last_week,
            "last_week_number": last_week.isocalendar()[1],
        },
    )


def _citizen_filters(request):
    user = request.user
    sites = access.visible_sites(user)
    brokers = User.objects.filter(
        role__in=roles_with(Capability.ACT_AS_JOB_BROKER), memberships__programme__in=access.visible_programmes(user)
    ).distinct()
    return CitizenFilterForm(request.GET or None, sites=sites, brokers=brokers)


def _filtered_enrolments(user, form, search=""):
    enrolments = access.scope_enrolments(Enrolment.objects.all(), user).select_related(*LIST_RELATED)
    data = {"status": "active"}
    if form.is_bound:
        # A filter that is refused (e.g. a job broker's name that matches several) is left out and shown with its
        # message; the others still apply.
        form.is_valid()
        data = form.cleaned_data
    status = data.get("status") or "active"
    if status == "active":
        enrolments = enrolments.filter(ended_on__isnull=True)
    elif status == "ended":
        enrolments = enrolments.filter(ended_on__isnull=False)
    if search:
        for word in search.split():
            enrolments = enrolments.filter(
                Q(citizen__first_name__icontains=word) | Q(citizen__last_name__icontains=word)
            )
    if data.get("step"):
        enrolments = enrolments.filter(current_step=data["step"])
    if data.get("traffic_light"):
        enrolments = enrolments.filter(citizen__traffic_light=data["traffic_light"])
    for field in ("site", "job_broker"):
        if data.get(field):
            enrolments = enrolments.filter(**{field: data[field]})
    if data.get("target_group"):
        enrolments = enrolments.filter(citizen__target_groups=data["target_group"])
    return enrolments.order_by(*LIST_ORDER)


# The citizen list's order: by name, a citizen's latest enrolment first, the id last so that every page is the same
# on both databases and from either end (see NameOrderPaginator).
LIST_ORDER = ("citizen__last_name", "citizen__first_name", "-referred_on", "pk")
LIST_RELATED = ("citizen", "site", "job_broker")


class NameOrderPaginator(Paginator):
    """The citizen list's pages without sorting every enrolment in scope by its citizen's name.

    Sorting every enrolment in scope by name to show 50 (73,716 for a coordinator on the 100,000-citizen demo) took
    most of a second on SQLite. Here a page is two queries after the count: the ids of the page's enrolments, then
    those rows with their joins. A page in the second half is asked from the end, in the reverse order, so the
    last page costs what the first does. On SQLite, when the filtered list is long, the ids are found by walking
    the citizens in name order along their index (people_citizen (last_name, first_name)) and each citizen's
    enrolments along enrolment_list_by_citizen, keeping those the queryset's WHERE (access scope and filters,
    unchanged) lets through and stopping once the page is full; a short list is sorted whole, which is cheaper
    than walking every citizen to find a few. PostgreSQL plans the id query itself (a hash join and a top-N sort
    of narrow rows). The order is LIST_ORDER's either way.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = _enrolment_ids_by_name(self.object_list, bottom, top, self.count) if top > bottom else []
        # By id alone: the ids passed the list's filters, and with them again SQLite reads the filters' index.
        rows = Enrolment.objects.select_related(*LIST_RELATED).in_bulk(ids) if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)  # one deleted meanwhile: left out


# Above this many enrolments SQLite walks the name index rather than sorting them all (see NameOrderPaginator).
WALK_FROM = 2000


def _enrolment_ids_by_name(enrolments, bottom, top, count):
    """The ids of enrolments[bottom:top] in LIST_ORDER, count being enrolments.count()."""
    from_the_end = bottom > count - top
    ordered = enrolments.order_by(*LIST_ORDER)
    if from_the_end:
        ordered, bottom, top = ordered.reverse(), count - top, count - bottom
    ids = ordered.values_list("pk", flat=True)[bottom:top]
    connection = connections[enrolments.db]
    if connection.vendor == "sqlite" and count > WALK_FROM:
        ids = _walking_citizens_first(ids, connection)
    ids = list(ids)
    return ids[::-1] if from_the_end else ids


def _walking_citizens_first(ids, connection):
    """The rows of the id query with the citizens as SQLite's outer loop (CROSS JOIN fixes its join order).

    SQLite's planner starts from the enrolments' own filter and sorts all of them; with the citizens first it reads
    them in the name index's order and needs to sort only enrolments of citizens of the same name.
    """
    sql, params = ids.query.sql_with_params()
    quote = connection.ops.quote_name
    enrolment_table, citizen_table = quote(Enrolment._meta.db_table), quote(Citizen._meta.db_table)
    join = f"{enrolment_table} INNER JOIN {citizen_table} ON ({enrolment_table}.{quote('citizen_id')} = "
    join += f"{citizen_table}.{quote('id')})"
    walk = f"{citizen_table} CROSS JOIN {enrolment_table} ON ({enrolment_table}.{quote('citizen_id')} = "
    walk += f"{citizen_table}.{quote('id')})"
    if f"FROM {join}" not in sql:  # not the query this was written for: the planner's own plan, same result
        return ids
    with connection.cursor() as cursor:
        cursor.execute(sql.replace(f"FROM {join}", f"FROM {walk}", 1), params)
        return [row[0] for row in cursor.fetchall()]


# A name typed in the search box is posted and kept in the session, never put in a URL: URLs end up in access
# logs, proxies and browser history. The other filters are not personal and stay in the URL, with the page.
SEARCH_SESSION_KEY = "citizen_search"


def _filter_query(data):
    """The list's filters and page from a query (GET or posted), without anything else: never a name."""
    keep = set(CitizenFilterForm.base_fields) | {"page"}
    keep |= {
        name + TEXT_SUFFIX for name, field in CitizenFilterForm.base_fields.items() if hasattr(field, "search_url")
    }
    query = QueryDict(mutable=True)
    for key in data:
        if key in keep:
            query.setlist(key, data.getlist(key))
    return query


@login_required
def citizen_list(request, cpr_form=None):
    if not may(request.user, Capability.READ_CITIZEN):
        raise Http404
    if request.method == "GET" and set(request.GET) - set(_filter_query(request.GET)):
        # An old link or a bookmark with ?q=<name>: sent on without it, and nothing is searched.
        kept = _filter_query(request.GET).urlencode()
        return redirect(reverse("citizen_list") + (f"?{kept}" if kept else ""))
    form = _citizen_filters(request)
    search = request.session.get(SEARCH_SESSION_KEY, "")
    page = NameOrderPaginator(_filtered_enrolments(request.user, form, search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = _filter_query(request.GET)
    query.pop("page", None)
    return render(
        request,
        "web/citizen_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "cpr_form": cpr_form or FindByCprForm(),
            "search_form": CitizenSearchForm(initial={"q": search, "filters": query.urlencode()}),
            "search": search,
        },
    )


@sensitive_post_parameters("q")
@login_required
@require_POST
def citizen_search(request):
    """Search by name: the text is posted (with CSRF) and kept in the session; back to the list with its filters."""
    if not may(request.user, Capability.READ_CITIZEN):
        raise Http404
    form = CitizenSearchForm(request.POST)
    filters = _filter_query(QueryDict(request.POST.get("filters", "")))
    filters.pop("page", None)  # a new search starts on the first page
    if form.is_valid() and form.cleaned_data["q"].strip() and "clear" not in request.POST:
        request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"].strip()
    else:
        request.session.pop(SEARCH_SESSION_KEY, None)
    kept = filters.urlencode()
    return redirect(reverse("citizen_list") + (f"?{kept}" if kept else ""))


@sensitive_post_parameters("cpr_number")
@login_required
@require_POST
def find_by_cpr(request):
    form = FindByCprForm(request.POST)
    if form.is_valid():
        found = (
            Citizen.objects.visible_to(request.user)
            .filter(cpr_hash=cpr.lookup_hash(form.cleaned_data["cpr_number"]))
            .first()
        )
        if found:
            return redirect("citizen_detail", citizen_pk=found.pk)
        form.add_error("cpr_number", gettext("No citizen you have access to has this CPR number."))
    return citizen_list(request, cpr_form=form)


def _citizen_context(request, citizen):
    user = request.user
    enrolments = access.scope_enrolments(citizen.enrolments.all(), user).select_related(
        "programme", "site", "job_broker", "caseworker", "mentor", "lottery_draw"
    )
    enrolments = _with_current_placement_and_last_week(enrolments)
    events = timeline.build(citizen, enrolments)
    context = {
        "citizen": citizen,
        "enrolments": enrolments,
        "kind_labels": _placement_kind_labels(),
        "events": events,
        "may_read_notes": may(user, Capability.READ_NOTES),
        "may_see_health": may(user, Capability.READ_RESTRICTIONS),
        "may_reveal_cpr": may(user, Capability.REVEAL_CPR),
        "age": cpr.age(citizen.birth_date, today()),
    }
    context.update(people_views.step1_context(request, citizen))
    context.update(case_views.case_context(request, citizen, enrolments))
    context.update(placement_views.placement_context(request, citizen, enrolments))
    context.update(progression_views.progression_context(request, citizen, enrolments))
    return context


@login_required
@logs_citizen_read
def citizen_detail(request, citizen_pk):
    citizen = access_citizen(request.user, citizen_pk)
    return render(request, "web/citizen_detail.html", _citizen_context(request, citizen))


@login_required
@require_POST
@logs_citizen_read
def citizen_reveal_cpr(request, citizen_pk):
    citizen = access_citizen(request.user, citizen_pk)
    try:
        digits = people_actions.reveal_cpr(acting_user=request.user, citizen=citizen)
    except PermissionDenied:
        raise Http404 from None
    shown = f"{digits[:6]}-{digits[6:]}"
    if request.headers.get("HX-Request"):
        return render(request, "web/citizen_detail.html#cpr", {"citizen": citizen, "revealed_cpr": shown})
    context = _citizen_context(request, citizen)
    context["revealed_cpr"] = shown
    return render(request, "web/citizen_detail.html", context)


@login_required
def company_list(request):
    if not may(request.user, Capability.SEE_COMPANIES):
        raise Http404
    form = CompanyFilterForm(request.GET or None)
    programmes = list(access.visible_programmes(request.user))
    # Filter, sort and count the plain rows; the figures are then read for the page's companies only, so neither
    # the count nor the page aggregates over every company.
    companies = Company.objects.all()
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            companies = companies.filter(Q(name__icontains=q) | Q(city__icontains=q))
        if form.cleaned_data["kind"]:
            companies = companies.filter(kind=form.cleaned_data["kind"])
    page = Paginator(companies.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [company.pk for company in page.object_list]
    figures = {company.pk: company for company in _company_figures(ids, programmes)}
    # The track record from the stored rows (jobbro/reporting/company_facts.py), the same figures the company page
    # computes live.
    records = company_facts.track_records(ids, programmes, on=today())
    rows = []
    for company in page.object_list:
        company = figures[company.pk]
        company.track_records = records.get(company.pk, [])
        company.is_factory = any(record.is_factory for record in company.track_records)
        rows.append(company)
    page.object_list = rows
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/company_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


def _company_figures(ids, programmes):
    """The page's companies with their open small jobs, buddies, running placements and agreements.

    A fixed number of queries over the page's companies only; as correlated subqueries, SQLite read the open small
    jobs through the (programme, status) index, every programme's, once per company."""

    def counts(queryset):
        rows = queryset.filter(company_id__in=ids).order_by().values("company_id").annotate(n=Count("pk"))
        return {row["company_id"]: row["n"] for row in rows}

    open_openings = counts(Opening.objects.filter(status=Opening.Status.OPEN, programme__in=programmes))
    buddies = counts(CompanyContact.objects.filter(is_buddy=True))
    # Running placements in two steps: joined to the enrolments, a planner may read every case of the programme.
    placements = list(
        Placement.objects.running_on(today()).filter(company_id__in=ids).values_list("company_id", "enrolment_id")
    )
    in_programmes = set(
        Enrolment.objects.filter(pk__in={e for _c, e in placements}, programme__in=programmes).values_list(
            "pk", flat=True
        )
    )
    running = Counter(company_id for company_id, enrolment_id in placements if enrolment_id in in_programmes)
    companies = Company.objects.filter(pk__in=ids).prefetch_related(
        Prefetch(
            "agreements", queryset=NetworkAgreement.objects.filter(programme__in=programmes), to_attr="my_agreements"
        )
    )
    for company in companies:
        company.open_openings = open_openings.get(company.pk, 0)
        company.buddies = buddies.get(company.pk, 0)
        company.running_placements = running.get(company.pk, 0)
        yield company


@login_required
def opening_board(request):
    if not may(request.user, Capability.SEE_COMPANIES):
        raise Http404
    form = OpeningFilterForm(request.GET or None)
    # The same filtering as the export (companies/board_export.py), so the file holds what the page shows.
    openings = board_openings(request.user, form)
    page = Paginator(openings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/opening_board.html",
        {"form": form, "page": page, "query": query.urlencode(), "pdf_limit": PDF_MAX_OPENINGS},
    )


@login_required
def result_goals(request):
    if not may(request.user, Capability.READ_REPORTS):
        raise Http404
    on = today()
    programmes = [
        {"programme": programme, "rows": goals.progress(programme, on)}
        for programme in access.visible_programmes(request.user)
    ]
    return render(
        request,
        "web/result_goals.html",
        {"programmes": programmes, "on": on, "citizen_list_url": reverse("citizen_list")},
    )
