from django import template

from jobbro.accounts.policy import Capability, may
from jobbro.days import today
from jobbro.people import consent
from jobbro.people.models import ConsentKind

register = template.Library()

# What each consent allows, as the citizen page explains it (docs/consent.md).
ALLOWS = {
    ConsentKind.DATA_SHARING: "allows_data_sharing",
    ConsentKind.EVALUATION: "allows_evaluation",
    ConsentKind.CONTACT_WITH_TREATMENT: "allows_treatment_contact",
}


@register.inclusion_tag("people/includes/consents.html", takes_context=True)
def consent_section(context, citizen):
    """The consents section of the citizen page: each kind's state today (given, withdrawn or never asked) with the
    buttons to record or withdraw it, and the history. One query."""
    rows = consent.history(citizen)
    holding = consent.newest_rows(rows, today())
    return {
        "citizen": citizen,
        "kinds": [(kind, ALLOWS[kind], holding[kind]) for kind in ConsentKind],
        "history": list(reversed(rows)),
        "may_record": may(context["request"].user, Capability.RECORD_CONSENT),
    }
