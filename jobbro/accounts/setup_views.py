"""The set-up pages: an administrator creates and edits programmes, their sites, staff memberships, result goals
(with interim targets) and the programme's settings (thresholds and fidelity), without a shell or the Django admin.

Every page needs the administer capability (accounts/policy.py PAGES); others get 404. Every write goes through
accounts/actions.py, which logs it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro.accounts import actions, fidelity_settings, thresholds
from jobbro.accounts.forms import MembershipForm, ProgrammeForm, ResultGoalForm, SettingsForm, SiteForm
from jobbro.accounts.models import Membership, Programme, ResultGoal, Site
from jobbro.accounts.policy import Capability, may
from jobbro.formtools import run_action
from jobbro.pickers import search


def _administrator(request):
    if not may(request.user, Capability.ADMINISTER):
        raise Http404


def _form_page(request, form, *, title, cancel_url, programme=None, intro="", template="accounts/setup/form.html"):
    return render(
        request,
        template,
        {"form": form, "title": title, "cancel_url": cancel_url, "programme": programme, "intro": intro},
        status=400 if form.is_bound and form.errors else 200,
    )


def _programme_url(programme):
    return reverse("setup_programme", kwargs={"programme_pk": programme.pk})


def _saved_or_form(request, form, action, *, saved, page_of, title, intro="", **arguments):
    """A posted form that passes goes through its action (with these arguments and the form's own) and back to the
    page of the programme `page_of` with `saved`; otherwise the form page, with what was refused next to its field."""
    if request.method == "POST" and form.is_valid():
        arguments.update(form.action_arguments())
        if run_action(form, action, acting_user=request.user, **arguments):
            messages.success(request, saved)
            return redirect(_programme_url(page_of))
    return _form_page(request, form, title=title, cancel_url=_programme_url(page_of), programme=page_of, intro=intro)


@login_required
def programme_list(request):
    _administrator(request)
    programmes = Programme.objects.annotate(
        site_count=Count("sites", distinct=True), member_count=Count("memberships", distinct=True)
    ).order_by("name")
    return render(request, "accounts/setup/programme_list.html", {"programmes": programmes})


@login_required
def programme_new(request):
    _administrator(request)
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = run_action(form, actions.create_programme, acting_user=request.user, **form.action_arguments())
        if programme:
            messages.success(request, _("The programme is created. Add its sites, staff and result goals."))
            return redirect(_programme_url(programme))
    return _form_page(request, form, title=_("New programme"), cancel_url=reverse("setup_programmes"))


@login_required
def programme_detail(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    fidelity = fidelity_settings.for_programme(programme)
    return render(
        request,
        "accounts/setup/programme_detail.html",
        {
            "programme": programme,
            "sites": programme.sites.annotate(member_count=Count("memberships")).order_by("name"),
            **_staff_page(request, programme),
            "result_goals": programme.result_goals.select_related("site", "target_group").order_by(
                "-payment_criterion", "metric", "deadline", "site__name", "target_group__name", "kind"
            ),
            "thresholds": thresholds.listing(programme),
            "fidelity_margin": fidelity.amber_margin,
            "fidelity_rules": [
                {"indicator": indicator, "rule": fidelity.rule(indicator.key)}
                for indicator in fidelity_settings.INDICATORS
            ],
        },
    )


STAFF_PER_PAGE = 25  # a programme may have thousands of staff: the page lists them a page at a time


def _staff_page(request, programme):
    """One page of the programme's staff (by name), found by a word of the name or user name (?staff=)."""
    memberships = Membership.objects.filter(programme=programme)
    text = request.GET.get("staff", "").strip()[:100]
    if text:
        memberships = search(memberships, ("user__first_name", "user__last_name", "user__username"), text)
    memberships = memberships.select_related("user", "site").order_by(
        "user__first_name", "user__last_name", "site__name", "pk"
    )
    page = Paginator(memberships, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    return {"memberships": page, "staff_search": text, "staff_count": page.paginator.count}


@login_required
def programme_edit(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    form = ProgrammeForm(request.POST or None, instance=Programme.objects.get(pk=programme.pk))
    return _saved_or_form(
        request,
        form,
        actions.update_programme,
        saved=_("The programme is saved."),
        page_of=programme,
        programme=programme,
        title=_("Edit %(programme)s") % {"programme": programme},
    )


@login_required
def programme_settings(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    form = SettingsForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        settings = form.settings()
        if run_action(
            form, actions.update_programme_settings, acting_user=request.user, programme=programme, settings=settings
        ):
            messages.success(request, _("The programme's settings are saved."))
            return redirect(_programme_url(programme))
    return _form_page(
        request,
        form,
        title=_("Settings of %(programme)s") % {"programme": programme},
        cancel_url=_programme_url(programme),
        programme=programme,
        intro=_("Leave a number empty to use the default. The fidelity report reads its targets from here."),
    )


@login_required
def site_new(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    return _saved_or_form(
        request,
        SiteForm(request.POST or None),
        actions.create_site,
        saved=_("The site is added."),
        page_of=programme,
        programme=programme,
        title=_("New site in %(programme)s") % {"programme": programme},
    )


@login_required
def site_edit(request, site_pk):
    _administrator(request)
    site = get_object_or_404(Site.objects.select_related("programme"), pk=site_pk)
    return _saved_or_form(
        request,
        SiteForm(request.POST or None, instance=Site.objects.get(pk=site.pk)),
        actions.update_site,
        saved=_("The site is saved."),
        page_of=site.programme,
        title=_("Edit %(site)s") % {"site": site},
        site=site,
    )


@login_required
def membership_new(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    return _saved_or_form(
        request,
        MembershipForm(request.POST or None, programme=programme),
        actions.add_membership,
        saved=_("The staff user is added to the programme."),
        page_of=programme,
        programme=programme,
        title=_("Add staff to %(programme)s") % {"programme": programme},
        intro=_("Staff users themselves are created under Administration; here they are given a programme and site."),
    )


@login_required
@require_POST
def membership_remove(request, membership_pk):
    _administrator(request)
    membership = get_object_or_404(Membership.objects.select_related("programme", "user"), pk=membership_pk)
    programme = membership.programme
    actions.remove_membership(acting_user=request.user, membership=membership)
    messages.success(request, _("%(user)s no longer works in the programme there.") % {"user": membership.user})
    return redirect(_programme_url(programme))


@login_required
def result_goal_new(request, programme_pk):
    _administrator(request)
    programme = get_object_or_404(Programme, pk=programme_pk)
    return _saved_or_form(
        request,
        ResultGoalForm(request.POST or None, programme=programme),
        actions.create_result_goal,
        saved=_("The result goal is added."),
        page_of=programme,
        programme=programme,
        title=_("New result goal for %(programme)s") % {"programme": programme},
    )


@login_required
def result_goal_edit(request, result_goal_pk):
    _administrator(request)
    goal = get_object_or_404(ResultGoal.objects.select_related("programme"), pk=result_goal_pk)
    return _saved_or_form(
        request,
        ResultGoalForm(request.POST or None, instance=ResultGoal.objects.get(pk=goal.pk), programme=goal.programme),
        actions.update_result_goal,
        saved=_("The result goal is saved."),
        page_of=goal.programme,
        title=_("Edit result goal"),
        goal=goal,
    )


@login_required
@require_POST
def result_goal_delete(request, result_goal_pk):
    _administrator(request)
    goal = get_object_or_404(ResultGoal.objects.select_related("programme"), pk=result_goal_pk)
    programme = goal.programme
    actions.delete_result_goal(acting_user=request.user, goal=goal)
    messages.success(request, _("The result goal is deleted."))
    return redirect(_programme_url(programme))
