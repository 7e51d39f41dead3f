"""The citizen page's list of kept net-gain calculations and the button to make one (one query for the list)."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from jobbro.accounts.policy import Capability, may
from jobbro.netgain.models import NetGainCalculation
from jobbro.netgain.views import hours_text, month_text, nearest_hundred

register = template.Library()
SHOWN = 10


def summary(calculation):
    """'5, 10 and 15 hours a week: about 1.200, 2.300 and 3.400 kr. more a month' or the months it spans."""
    rows = calculation.figures
    if calculation.kind == NetGainCalculation.Kind.MONTHS:
        return _("Month by month, %(first)s to %(last)s") % {
            "first": month_text(rows[0]["month"]),
            "last": month_text(rows[-1]["month"]),
        }
    hours = ", ".join(hours_text(row["weekly_hours"]) for row in rows)
    gains = ", ".join(
        formats.number_format(nearest_hundred(row["net_gain"]), decimal_pos=0, use_l10n=True, force_grouping=True)
        for row in rows
    )
    return _("%(hours)s hours a week: about %(gains)s kr. a month") % {"hours": hours, "gains": gains}


@register.inclusion_tag("netgain/includes/case_section.html", takes_context=True)
def net_gain_section(context, citizen, enrolments):
    """The section under the case: the kept calculations of the cases shown, newest first, and the button."""
    user = context["request"].user
    enrolments = list(enrolments)
    calculations = list(
        NetGainCalculation.objects.filter(enrolment__in=[e.pk for e in enrolments])
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    for calculation in calculations:
        calculation.summary = summary(calculation)
    may_calculate = may(user, Capability.CALCULATE_NET_GAIN)
    return {
        "citizen": citizen,
        "calculations": calculations,
        "cases": [e for e in enrolments if e.is_active] if may_calculate else [],
    }
