"""The matching pages: ranked small jobs for a citizen, ranked citizens for a small job (each with its "why not"
list, 25 at a time), the network's assignment proposal (computed by the task worker, matching/tasks.py; the page
shows its progress, then its stored pairs explained for the reader), the match workflow (proposals), the unmatched
list and the speed-dating plan.

Pages about one citizen take `citizen_pk`, fetch through the access helpers and log the read. Lists only
ever show enrolments inside the user's scope. A role that may not work with matches gets 404, exactly
like a miss; every write of the match workflow is an action in matching/actions.py, and an assignment run is
started by matching/tasks.py (`start`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.models import Site
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.cases.models import Enrolment, Step
from jobbro.companies.models import Company, Opening, agreement_running_on
from jobbro.days import today
from jobbro.formtools import add_action_errors
from jobbro.matching import actions, tasks, type3
from jobbro.matching.forms import (
    SPEED_DATING_CITIZENS,
    SPEED_DATING_COMPANIES,
    AgreeForm,
    DeclineForm,
    MeetingForm,
    ProposeForm,
    SpeedDatingForm,
    UnmatchedFilterForm,
)
from jobbro.matching.models import OPEN_STATUSES, AssignmentRun, MatchProposal, MatchProposalEvent, MatchStatus
from jobbro.people.access import access_citizen
from jobbro.people.consent import has_consent, missing_consent_message
from jobbro.people.models import ConsentKind
from jobbro.pickers import CompanyPickerField, search

RANKING_LIMIT = 50
RECENTLY_DECIDED = 20
WHY_NOT_PAGE = 25  # "why not" entries explained at a time
ASSIGNMENT_PAGE = 50  # pairs of the assignment proposal shown at a time
UNMATCHED_PAGE = 50  # rows of the unmatched list shown at a time


def _services():
    # Imported when used: the ranking services load the database and numpy only for the pages that rank.
    from jobbro.matching import services

    return services


def _require(condition):
    if not condition:
        raise Http404


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _visible_opening(user, pk):
    opening = (
        Opening.objects.filter(pk=pk, programme__in=access.visible_programmes(user))
        .select_related("company", "programme", "buddy")
        .first()
    )
    if opening is None:
        raise Http404
    return opening


def _programme(request, chosen=None):
    """The programme chosen with ?programme=, else the user's first; 404 for one the user does not see."""
    programmes = list(access.visible_programmes(request.user).order_by("name"))
    chosen = _int(request.GET.get("programme") if chosen is None else chosen)
    if chosen is None:
        return (programmes[0] if programmes else None), programmes
    for programme in programmes:
        if programme.pk == chosen:
            return programme, programmes
    raise Http404


def _match_rows(matches, proposals_by_pair):
    rows = []
    for match in matches:
        key = (match.enrolment.pk, match.opening.pk)
        rows.append(
            {
                "match": match,
                "proposal": proposals_by_pair.get(key),
                "score_width": max(0, min(100, round(match.score))),
            }
        )
    return rows


def _open_proposals(**filters):
    return {
        (p.enrolment_id, p.opening_id): p
        for p in MatchProposal.objects.open().filter(**filters).only("pk", "enrolment_id", "opening_id", "status")
    }


# --- Ranked small jobs for a citizen ----------------------------------------------------------------


def _why_not(request, others, explain, count=None):
    """A page of the "why not" list: WHY_NOT_PAGE of the others (?why_page=), each explained for the reader.
    `count`, when the caller knows how many the others are, saves counting them again."""
    paginator = Paginator(others, WHY_NOT_PAGE)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(request.GET.get("why_page"))
    return {
        "page": page,
        "count": page.paginator.count,
        "items": [{"object": thing, "reasons": reasons} for thing, reasons in explain(list(page.object_list))],
        # Turning a page keeps the list open; the first view of the page shows it closed.
        "open": "why_page" in request.GET,
    }


def _why_not_fragment(request):
    return request.headers.get("HX-Request") == "true" and "why_page" in request.GET


@login_required
@logs_citizen_read
def citizen_matches(request, citizen_pk, enrolment_pk):
    _require(may(request.user, Capability.PROPOSE_MATCH))
    citizen = access_citizen(request.user, citizen_pk)
    enrolment = access.access_enrolment(request.user, citizen, enrolment_pk)
    matches = (
        _services().rank_openings(enrolment, limit=RANKING_LIMIT, reader=request.user)
        if enrolment.is_active and not enrolment.control_group
        else []
    )
    rows = _match_rows(matches, _open_proposals(enrolment=enrolment))
    ranked = [row["match"].opening.pk for row in rows]
    others = (
        Opening.objects.open()
        .filter(programme_id=enrolment.programme_id)
        .exclude(pk__in=ranked)
        .select_related("company")
        .order_by("title", "company__name", "pk")
    )
    why_not = _why_not(request, others, lambda page: _services().why_not_openings(enrolment, page, reader=request.user))
    # Said before the user tries: proposing needs the citizen's consent to sharing data with companies today.
    sharing = has_consent(citizen, ConsentKind.DATA_SHARING, today())
    context = {
        "citizen": citizen,
        "enrolment": enrolment,
        "why_not": why_not,
        "missing_consent": None if sharing else missing_consent_message(ConsentKind.DATA_SHARING, today()),
    }
    if _why_not_fragment(request):
        return render(request, "matching/citizen_matches.html#why_not_page", context)
    why = None
    why_pk = _int(request.GET.get("why"))
    if why_pk is not None:
        opening = others.filter(pk=why_pk).first()
        if opening is not None:
            why = {"opening": opening, "reasons": _services().excluded_reasons(enrolment, opening, reader=request.user)}
    context.update(
        {
            "rows": rows,
            "why": why,
            "here": request.get_full_path(),
            "title": _("Small jobs for %(name)s") % {"name": citizen.full_name},
        }
    )
    return render(request, "matching/citizen_matches.html", context)


# --- Ranked citizens for a small job ---------------------------------------------------------------


@login_required
def opening_matches(request, pk):
    _require(may(request.user, Capability.RANK_CITIZENS))
    opening = _visible_opening(request.user, pk)
    visible = access.scope_enrolments(
        Enrolment.objects.active_on(today()).filter(programme_id=opening.programme_id), request.user
    )
    visible_count = visible.count()
    rows = []
    if opening.status == Opening.Status.OPEN and visible_count:
        # Only the citizens this user may see are ranked: the same list as ranking the programme and keeping those
        # in scope (the best come by score, ties by id). A user who sees the whole programme needs no filter.
        everyone = Enrolment.objects.active_on(today()).filter(programme_id=opening.programme_id).count()
        among = None if visible_count == everyone else visible
        matches = _services().rank_citizens(opening, limit=RANKING_LIMIT, reader=request.user, among=among)
        rows = _match_rows(matches, _open_proposals(opening=opening))
    ranked = [row["match"].enrolment.pk for row in rows]
    why = None
    why_not = None
    if opening.status == Opening.Status.OPEN:
        others = (
            visible.exclude(pk__in=ranked)
            .select_related("citizen")
            .order_by("citizen__last_name", "citizen__first_name", "pk")
        )
        why_not = _why_not(
            request,
            others,
            lambda page: _services().why_not_citizens(page, opening, reader=request.user),
            count=visible_count - len(ranked),  # every ranked citizen is one of the visible
        )
        if _why_not_fragment(request):
            return render(
                request, "matching/opening_matches.html#why_not_page", {"opening": opening, "why_not": why_not}
            )
        why_pk = _int(request.GET.get("why"))
        if why_pk is not None:
            enrolment = others.filter(pk=why_pk).first()
            if enrolment is not None:
                why = {
                    "enrolment": enrolment,
                    "reasons": _services().excluded_reasons(enrolment, opening, reader=request.user),
                }
    return render(
        request,
        "matching/opening_matches.html",
        {
            "opening": opening,
            "rows": rows,
            "why_not": why_not,
            "why": why,
            "here": request.get_full_path(),
            "title": _("Citizens for %(job)s") % {"job": opening.title},
        },
    )


# --- Proposing --------------------------------------------------------------------------------------


@login_required
@require_POST
@logs_citizen_read
def propose(request, citizen_pk, enrolment_pk):
    _require(may(request.user, Capability.PROPOSE_MATCH))
    citizen = access_citizen(request.user, citizen_pk)
    enrolment = access.access_enrolment(request.user, citizen, enrolment_pk)
    back = _safe_next(
        request, reverse("citizen_matches", kwargs={"citizen_pk": citizen.pk, "enrolment_pk": enrolment.pk})
    )
    form = ProposeForm(request.POST)
    if not form.is_valid():
        raise Http404
    opening = _visible_opening(request.user, form.cleaned_data["opening"])
    try:
        actions.propose_match(
            acting_user=request.user, enrolment=enrolment, opening=opening, score=form.cleaned_data["score"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s is proposed for %(job)s.") % {"name": citizen.full_name, "job": opening})
    return redirect(back)


# --- The assignment proposal for the whole network ---------------------------------------------------


def _latest_run(programme):
    if programme is None:
        return None
    run = AssignmentRun.objects.filter(programme=programme).select_related("requested_by").first()
    if run is not None and not run.is_finished:
        tasks.fail_if_lost(run)
    return run


@login_required
def assignment(request):
    """The newest assignment run of the programme: its progress while it runs, then its pairs (in the user's scope),
    a page at a time, each explained for the reader now."""
    _require(may(request.user, Capability.RUN_MATCHING))
    programme, programmes = _programme(request)
    run = _latest_run(programme)
    rows, page = [], None
    if run is not None and run.status == AssignmentRun.Status.DONE:
        scope = access.scope_enrolments(Enrolment.objects.filter(programme=programme), request.user)
        pairs = (
            run.pairs.filter(enrolment__in=scope)
            .select_related("enrolment__citizen", "enrolment__programme", "opening__company", "opening__buddy")
            .order_by("-score", "enrolment__citizen__last_name", "enrolment__citizen__first_name", "enrolment_id")
        )
        page = Paginator(pairs, ASSIGNMENT_PAGE).get_page(request.GET.get("page"))
        listed = list(page.object_list)
        matches = _services().explain_pairs(
            [(pair.enrolment, pair.opening, pair.score) for pair in listed], reader=request.user
        )
        rows = _match_rows(matches, _open_proposals(enrolment__in=[pair.enrolment_id for pair in listed]))
    return render(
        request,
        "matching/assignment.html",
        {
            "programme": programme,
            "programmes": programmes,
            "run": run,
            "rows": rows,
            "page": page,
            "query": f"programme={programme.pk}" if programme else "",
            "here": request.get_full_path(),
            "title": _("Assignment proposal"),
        },
    )


@login_required
@require_POST
def assignment_run(request):
    """Start computing a new assignment proposal for the programme on the task worker."""
    _require(may(request.user, Capability.RUN_MATCHING))
    programme, _programmes = _programme(request, request.POST.get("programme"))
    if programme is None:
        raise Http404
    if tasks.start(programme=programme, user=request.user) is None:
        messages.info(request, _("A proposal for %(programme)s is being computed already.") % {"programme": programme})
    return redirect(f"{reverse('match_assignment')}?programme={programme.pk}")


@login_required
def assignment_progress(request):
    """The polled part of the page while a run waits or works; once it has finished, the page reloads."""
    _require(may(request.user, Capability.RUN_MATCHING))
    programme, _programmes = _programme(request)
    run = _latest_run(programme)
    if run is None or run.is_finished:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "matching/assignment.html#progress", {"run": run, "programme": programme})


# --- The match workflow -------------------------------------------------------------------------------


def _proposal_forms(proposal, bound=None):
    """The forms for the proposal's next steps; a bound (refused) form takes the place of its blank one."""
    prefix = f"p{proposal.pk}"
    forms = {}
    if proposal.status in (MatchStatus.PROPOSED, MatchStatus.MEETING_BOOKED):
        forms["meeting"] = MeetingForm(
            prefix=f"{prefix}-meeting",
            initial={"kind": proposal.meeting_kind or "coffee_visit", "meeting_on": proposal.meeting_on or today()},
        )
        forms["decline"] = DeclineForm(prefix=f"{prefix}-decline")
    if proposal.status == MatchStatus.MEETING_BOOKED:
        forms["agree"] = AgreeForm(
            prefix=f"{prefix}-agree",
            initial={"starts_on": today(), "agreed_ordinary_hours": proposal.opening.weekly_hours},
        )
    if bound is not None:
        step, form = bound
        forms[step] = form
    return forms


def _scoped_proposals(user):
    return MatchProposal.objects.filter(enrolment__in=access.scope_enrolments(Enrolment.objects.all(), user))


def _proposals_page(request, *, bound_pk=None, bound=None, status=200):
    proposals = (
        _scoped_proposals(request.user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("enrolment__citizen", "enrolment__job_broker", "opening__company", "proposed_by")
        .prefetch_related(Prefetch("events", queryset=MatchProposalEvent.objects.select_related("by")))
        .order_by("proposed_on", "id")
    )
    groups = {MatchStatus.PROPOSED: [], MatchStatus.MEETING_BOOKED: []}
    for proposal in proposals:
        groups[proposal.status].append(
            {
                "proposal": proposal,
                "forms": _proposal_forms(proposal, bound if proposal.pk == bound_pk else None),
                "open_step": bound[0] if bound and proposal.pk == bound_pk else "",
            }
        )
    decided = (
        _scoped_proposals(request.user)
        .filter(status__in=[MatchStatus.AGREED, MatchStatus.DECLINED])
        .select_related("enrolment__citizen", "opening__company")
        .order_by("-decided_on", "-id")[:RECENTLY_DECIDED]
    )
    return render(
        request,
        "matching/proposals.html",
        {
            "groups": [
                (MatchStatus.PROPOSED.label, "proposed", groups[MatchStatus.PROPOSED]),
                (MatchStatus.MEETING_BOOKED.label, "meeting_booked", groups[MatchStatus.MEETING_BOOKED]),
            ],
            "decided": decided,
            "title": _("Match proposals"),
        },
        status=status,
    )


@login_required
def proposals(request):
    _require(may(request.user, Capability.PROPOSE_MATCH))
    return _proposals_page(request)


def _proposal(request, citizen_pk, pk):
    _require(may(request.user, Capability.PROPOSE_MATCH))
    citizen = access_citizen(request.user, citizen_pk)
    proposal = (
        _scoped_proposals(request.user)
        .filter(pk=pk, enrolment__citizen=citizen)
        .select_related("enrolment__citizen", "opening__company", "opening__buddy")
        .first()
    )
    if proposal is None:
        raise Http404
    return citizen, proposal


def _step_view(step, form_class, run):
    @login_required
    @require_POST
    @logs_citizen_read
    def view(request, citizen_pk, pk):
        citizen, proposal = _proposal(request, citizen_pk, pk)
        form = form_class(request.POST, prefix=f"p{proposal.pk}-{step}")
        if form.is_valid():
            try:
                message = run(request, proposal, form.cleaned_data)
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, message % {"name": citizen.full_name, "job": proposal.opening})
                return redirect(_safe_next(request, reverse("match_proposals")))
        if proposal.status not in OPEN_STATUSES:
            raise Http404
        return _proposals_page(request, bound_pk=proposal.pk, bound=(step, form))

    view.__name__ = f"proposal_{step}"
    return view


def _book(request, proposal, data):
    actions.book_meeting(acting_user=request.user, proposal=proposal, kind=data["kind"], meeting_on=data["meeting_on"])
    return _("The meeting is booked: %(name)s and %(job)s.")


def _agree(request, proposal, data):
    actions.agree_match(
        acting_user=request.user,
        proposal=proposal,
        starts_on=data["starts_on"],
        agreed_ordinary_hours=data["agreed_ordinary_hours"],
    )
    return _("Agreed: %(name)s starts in %(job)s and is in step 3 – in a company.")


def _decline(request, proposal, data):
    actions.decline_match(acting_user=request.user, proposal=proposal, reason=data["reason"], note=data["note"])
    return _("The match between %(name)s and %(job)s is declined.")


proposal_meeting = _step_view("meeting", MeetingForm, _book)
proposal_agree = _step_view("agree", AgreeForm, _agree)
proposal_decline = _step_view("decline", DeclineForm, _decline)


# --- Type 3: the unmatched and the speed-dating plan ---------------------------------------------------


def _visible_sites(user):
    return Site.objects.filter(programme__in=access.visible_programmes(user)).order_by("programme__name", "name")


@login_required
def unmatched(request):
    """The unmatched list, UNMATCHED_PAGE rows at a time, narrowed by site; figures only for the page's rows."""
    _require(may(request.user, Capability.PROPOSE_MATCH))
    on = today()
    filters = UnmatchedFilterForm(request.GET or None, sites=_visible_sites(request.user))
    chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    page = type3.unmatched_page(
        request.user,
        on=on,
        site=chosen.get("site"),
        page=request.GET.get("page"),
        per_page=UNMATCHED_PAGE,
    )
    query = urlencode({key: value for key, value in request.GET.items() if key == "site" and value})
    return render(
        request,
        "matching/unmatched.html",
        {
            "rows": page.object_list,
            "page": page,
            "filters": filters,
            "query": query,
            "on": on,
            "title": _("Citizens without a match"),
        },
    )


def network_companies(programme, on):
    """Companies with an agreement in the programme's network that runs on the day."""
    return (
        Company.objects.filter(agreement_running_on(on, "agreements__"), agreements__programme=programme)
        .distinct()
        .order_by("name")
    )


def _ids(values, limit):
    """Whole numbers among the values, at most `limit` of them, in order."""
    out = []
    for value in values:
        number = _int(value)
        if number is not None and number not in out:
            out.append(number)
        if len(out) >= limit:
            break
    return out


def _speed_dating_candidates(request, programme, on, filters):
    """The citizens and companies the page offers (bounded): those chosen, then the filters' first few."""
    site, who, text = filters.get("site"), filters.get("who") or "unmatched", filters.get("company_search") or ""
    in_steps = access.scope_enrolments(
        Enrolment.objects.active_on(on)
        .in_programme_effort()  # a lottery's control group is never matched
        .filter(programme=programme, current_step__in=[Step.CLARIFICATION, Step.TOWARDS_JOB]),
        request.user,
    )
    if who == "all":
        shown = in_steps.order_by("citizen__last_name", "citizen__first_name", "pk")
        if site is not None:
            shown = shown.filter(site=site)
        shown_citizens = list(shown.values_list("pk", flat=True)[:SPEED_DATING_CITIZENS])
    else:
        shown_citizens = type3.unmatched_ids(request.user, on=on, programme=programme, site=site)
        shown_citizens = shown_citizens[:SPEED_DATING_CITIZENS]
    chosen_citizens = _ids(request.GET.getlist("enrolments"), SPEED_DATING_CITIZENS + 1)
    network = network_companies(programme, on)
    if text:
        offered = search(network, CompanyPickerField.search_fields, text)
    else:  # first those with an open small job in the programme
        offered = network.filter(openings__programme=programme, openings__status=Opening.Status.OPEN)
    shown_companies = list(offered.values_list("pk", flat=True).distinct()[:SPEED_DATING_COMPANIES])
    chosen_companies = _ids(request.GET.getlist("companies"), SPEED_DATING_COMPANIES + 1)
    enrolments = (
        in_steps.filter(pk__in=[*chosen_citizens, *shown_citizens])
        .select_related("citizen")
        .order_by("citizen__last_name", "citizen__first_name", "pk")
    )
    companies = network.filter(pk__in=[*chosen_companies, *shown_companies])
    return {
        "enrolments": enrolments,
        "companies": companies,
        "shown_citizens": shown_citizens,
        "shown_companies": shown_companies,
    }


@login_required
def speed_dating(request):
    """The speed-dating plan: choose among a bounded list of candidates (filtered by site, who and a company
    search), then the plan over at most SPEED_DATING_CITIZENS × SPEED_DATING_COMPANIES."""
    _require(may(request.user, Capability.RUN_MATCHING))
    programme, programmes = _programme(request)
    if programme is None:
        raise Http404
    on = today()
    sites = Site.objects.filter(programme=programme).order_by("name")
    raw = {
        "site": request.GET.get("site") or None,
        "who": request.GET.get("who") or "unmatched",
        "company_search": (request.GET.get("company_search") or "").strip()[: textlimits.SEARCH],
    }
    chosen_filters = {
        "site": sites.filter(pk=_int(raw["site"])).first() if raw["site"] else None,
        "who": raw["who"] if raw["who"] in ("unmatched", "all") else "unmatched",
        "company_search": raw["company_search"],
    }
    candidates = _speed_dating_candidates(request, programme, on, chosen_filters)
    choose = {"companies": candidates["companies"], "enrolments": candidates["enrolments"], "sites": sites}
    plan = None
    if "rounds" in request.GET and "show" not in request.GET:
        data = request.GET.copy()
        data.setlist(
            "enrolments", [str(pk) for pk in _ids(request.GET.getlist("enrolments"), SPEED_DATING_CITIZENS + 1)]
        )
        data.setlist(
            "companies", [str(pk) for pk in _ids(request.GET.getlist("companies"), SPEED_DATING_COMPANIES + 1)]
        )
        form = SpeedDatingForm(data, **choose)
        if form.is_valid():
            chosen_companies = list(form.cleaned_data["companies"])
            rounds = _services().speed_dating_plan(
                enrolments=list(form.cleaned_data["enrolments"]),
                companies=chosen_companies,
                rounds=form.cleaned_data["rounds"],
            )
            plan = {
                "companies": chosen_companies,
                "rounds": [_round_cells(meetings, chosen_companies) for meetings in rounds],
            }
    else:
        # A first visit offers the shown candidates chosen; "Show" keeps what was chosen and shows other candidates.
        first = "show" not in request.GET
        form = SpeedDatingForm(
            initial={
                **chosen_filters,
                "enrolments": candidates["shown_citizens"]
                if first
                else _ids(request.GET.getlist("enrolments"), SPEED_DATING_CITIZENS),
                "companies": candidates["shown_companies"]
                if first
                else _ids(request.GET.getlist("companies"), SPEED_DATING_COMPANIES),
                "rounds": _int(request.GET.get("rounds")) or 3,
            },
            **choose,
        )
    return render(
        request,
        "matching/speed_dating.html",
        {
            "programme": programme,
            "programmes": programmes,
            "form": form,
            "plan": plan,
            "limits": {"citizens": SPEED_DATING_CITIZENS, "companies": SPEED_DATING_COMPANIES},
            "title": _("Speed-dating plan"),
        },
    )


def _round_cells(meetings, companies):
    """One round as a cell per company: the citizens meeting it, with the score of the pair."""
    cells = {company.pk: [] for company in companies}
    for enrolment, company, score in meetings:
        cells.setdefault(company.pk, []).append({"enrolment": enrolment, "score": score})
    return [cells[company.pk] for company in companies]
