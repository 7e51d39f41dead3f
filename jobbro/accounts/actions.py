"""Writes to programmes, sites, staff memberships, result goals and programme settings (the set-up pages).

Each action is one transaction: it checks that the acting user may administer, validates the record (the model's
own rules, text limits, uniqueness), saves it and writes a change-log row. The set-up pages (setup_views.py) call
these; nothing else saves these records outside the Django admin and the import.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import thresholds
from jobbro.accounts.models import Membership, Programme, ResultGoal, Site
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action

PROGRAMME_FIELDS = ("name", "description", "starts_on", "ends_on")
SITE_FIELDS = ("name", "kind", "municipality_code")
RESULT_GOAL_FIELDS = (
    "metric",
    "kind",
    "target",
    "deadline",
    "social_economic_target",
    "site",
    "target_group",
    "payment_criterion",
)


def _require_administrator(user):
    """Only an administrator may set a programme up. `None` is the server's command line (`manage.py import`
    without --user), run by whoever operates the server; a page always passes its signed-in user."""
    if user is not None and not may(user, Capability.ADMINISTER):
        raise PermissionDenied


def _full_clean(obj, exclude=None):
    too_long = textlimits.length_errors(obj)
    if too_long:
        raise ValidationError(too_long)
    obj.full_clean(exclude=exclude)


def _as_text(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (bool, int, list)) or value is None else str(value)


def _set(obj, fields, values):
    """Set the given values on obj; return {field: new value as text} for those that changed."""
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    changes = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changes[name] = _as_text(value)
    return changes


# --- Programmes --------------------------------------------------------------------------------------------


@transaction.atomic
def create_programme(*, acting_user, target_groups=(), **values):
    _require_administrator(acting_user)
    programme = Programme()
    changes = _set(programme, PROGRAMME_FIELDS, values)
    _full_clean(programme)
    programme.save()
    programme.target_groups.set(target_groups)
    log_change(user=acting_user, action=Action.CREATE_PROGRAMME, obj=programme, changes=changes)
    return programme


@transaction.atomic
def update_programme(*, acting_user, programme, target_groups=None, **values):
    _require_administrator(acting_user)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    changes = _set(programme, PROGRAMME_FIELDS, values)
    _full_clean(programme)
    if target_groups is not None:
        before = set(programme.target_groups.values_list("pk", flat=True))
        after = {group.pk for group in target_groups}
        if before != after:
            programme.target_groups.set(target_groups)
            changes["target_groups"] = sorted(after)
    if changes:
        programme.save()
        log_change(user=acting_user, action=Action.UPDATE_PROGRAMME, obj=programme, changes=changes)
    return programme


@transaction.atomic
def update_programme_settings(*, acting_user, programme, settings):
    """Replace the programme's thresholds and fidelity settings; keys of other features are kept as they are."""
    _require_administrator(acting_user)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    current = programme.settings if isinstance(programme.settings, dict) else {}
    managed = {*thresholds.DEFAULTS, thresholds.FIDELITY}
    new = {key: value for key, value in current.items() if key not in managed}
    new.update(settings)
    thresholds.validate_settings(new)
    if new != current:
        programme.settings = new
        programme.save(update_fields=["settings"])
        log_change(
            user=acting_user,
            action=Action.UPDATE_PROGRAMME_SETTINGS,
            obj=programme,
            changes={"before": current, "after": new},
        )
    return programme


# --- Sites -------------------------------------------------------------------------------------------------


def _check_site_name_free(site):
    others = Site.objects.filter(programme=site.programme_id, name__iexact=site.name).exclude(pk=site.pk)
    if others.exists():
        raise ValidationError({"name": _("The programme already has a site of that name.")})


@transaction.atomic
def create_site(*, acting_user, programme, **values):
    _require_administrator(acting_user)
    site = Site(programme=programme)
    changes = _set(site, SITE_FIELDS, values)
    _full_clean(site, exclude=["programme"])
    _check_site_name_free(site)
    site.save()
    log_change(user=acting_user, action=Action.CREATE_SITE, obj=site, changes={"programme": programme.pk, **changes})
    return site


@transaction.atomic
def update_site(*, acting_user, site, **values):
    _require_administrator(acting_user)
    site = Site.objects.select_for_update().get(pk=site.pk)
    changes = _set(site, SITE_FIELDS, values)
    _full_clean(site, exclude=["programme"])
    _check_site_name_free(site)
    if changes:
        site.save()
        log_change(user=acting_user, action=Action.UPDATE_SITE, obj=site, changes=changes)
    return site


# --- Staff memberships ---------------------------------------------------------------------------------------


@transaction.atomic
def add_membership(*, acting_user, user, programme, site=None):
    """The user works in the programme, at one site or (no site) at all of them."""
    _require_administrator(acting_user)
    membership = Membership(user=user, programme=programme, site=site)
    _full_clean(membership, exclude=["user", "programme", "site"])
    if site is not None and site.programme_id != programme.pk:
        raise ValidationError({"site": _("The site must belong to the programme.")})
    if Membership.objects.filter(user=user, programme=programme, site=site).exists():
        raise ValidationError({"user": _("%(user)s already has this membership.") % {"user": user}})
    membership.save()
    log_change(
        user=acting_user,
        action=Action.ADD_MEMBERSHIP,
        obj=membership,
        changes={"user": user.pk, "programme": programme.pk, "site": site.pk if site else None},
    )
    return membership


@transaction.atomic
def remove_membership(*, acting_user, membership):
    _require_administrator(acting_user)
    changes = {"user": membership.user_id, "programme": membership.programme_id, "site": membership.site_id}
    log_change(user=acting_user, action=Action.REMOVE_MEMBERSHIP, obj=membership, changes=changes)
    membership.delete()


# --- Result goals ------------------------------------------------------------------------------------------


def result_goal_part_error(target, social_economic_target):
    """The social-economic part of a target is a part of it (the set-up pages and the import ask this)."""
    if social_economic_target is not None and target is not None and social_economic_target > target:
        return _("The social-economic part cannot be larger than the target.")
    return None


def result_goal_scope_error(programme, site):
    """A goal's site is one of its programme's (the set-up pages and the import ask this)."""
    if site is not None and programme is not None and site.programme_id != programme.pk:
        return _("The site must belong to the programme.")
    return None


def _same_result_goals(goal):
    """The programme's goals for the same result, kind, deadline, site and target group (empty matching empty)."""
    return ResultGoal.objects.filter(
        programme=goal.programme_id,
        metric=goal.metric,
        kind=goal.kind,
        deadline=goal.deadline,
        site=goal.site_id,
        target_group=goal.target_group_id,
    )


def _check_result_goal(goal):
    _full_clean(goal, exclude=["programme", "site", "target_group"])
    if message := result_goal_scope_error(goal.programme, goal.site):
        raise ValidationError({"site": message})
    if message := result_goal_part_error(goal.target, goal.social_economic_target):
        raise ValidationError({"social_economic_target": message})
    if _same_result_goals(goal).exclude(pk=goal.pk).exists():
        raise ValidationError({"deadline": _("The programme already has a target for this result by this date.")})


@transaction.atomic
def create_result_goal(*, acting_user, programme, **values):
    """A target for one result by a deadline; several deadlines for one result are its interim targets."""
    _require_administrator(acting_user)
    goal = ResultGoal(programme=programme)
    changes = _set(goal, RESULT_GOAL_FIELDS, values)
    _check_result_goal(goal)
    goal.save()
    log_change(
        user=acting_user, action=Action.CREATE_RESULT_GOAL, obj=goal, changes={"programme": programme.pk, **changes}
    )
    return goal


@transaction.atomic
def update_result_goal(*, acting_user, goal, **values):
    _require_administrator(acting_user)
    goal = ResultGoal.objects.select_for_update().get(pk=goal.pk)
    changes = _set(goal, RESULT_GOAL_FIELDS, values)
    _check_result_goal(goal)
    if changes:
        goal.save()
        log_change(user=acting_user, action=Action.UPDATE_RESULT_GOAL, obj=goal, changes=changes)
    return goal


@transaction.atomic
def delete_result_goal(*, acting_user, goal):
    _require_administrator(acting_user)
    log_change(
        user=acting_user,
        action=Action.DELETE_RESULT_GOAL,
        obj=goal,
        changes={"programme": goal.programme_id, "metric": goal.metric, "deadline": goal.deadline.isoformat()},
    )
    goal.delete()
