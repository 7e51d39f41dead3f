"""Meeting lists for the pages of other apps (the citizen page, the company page, "I dag"), and Danish times."""

from django import template
from django.utils import timezone

from jobbro.meetings import actions, ical

register = template.Library()
SHOWN = 10


@register.filter
def danish_time(value):
    """22.11.2026 kl. 10.00"""
    return ical.danish_time(value) if value else ""


def _visible(user):
    return actions.visible_meetings(user).select_related("enrolment__citizen", "company")


@register.simple_tag
def upcoming_meetings(user):
    """The user's own next meetings (they are a participant)."""
    return list(_visible(user).filter(participants__user=user).upcoming(timezone.now())[:SHOWN])


@register.simple_tag
def citizen_meetings(citizen, user):
    """The citizen's planned meetings and the latest past ones, as far as the user's scope reaches."""
    meetings = _visible(user).filter(enrolment__citizen=citizen)
    return _planned_then_recent(meetings)


@register.simple_tag
def company_meetings(company, user):
    return _planned_then_recent(_visible(user).filter(company=company))


def _planned_then_recent(meetings):
    now = timezone.now()
    upcoming = list(meetings.upcoming(now)[:SHOWN])
    recent = list(meetings.exclude(pk__in=[m.pk for m in upcoming]).order_by("-starts_at", "-id")[:5])
    return upcoming + recent
