from django import template

from jobbro.accounts.policy import Capability, may
from jobbro.messaging import log
from jobbro.messaging.models import Channel

register = template.Library()


@register.inclusion_tag("messaging/includes/message_log.html", takes_context=True)
def message_log(context, citizen=None, company=None):
    """The message log section of the citizen page (with the citizen's consent to be contacted) or the company page."""
    user = context["request"].user
    consent = log.consent_state(citizen) if citizen is not None else {}
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "citizen": citizen,
        "company": company,
        "messages_sent": log.messages_about(user, citizen=citizen, company=company),
        "consents": [(value, label, consent.get(value)) for value, label in Channel.choices] if citizen else [],
        "may_record_consent": citizen is not None and may(user, Capability.CASE_WORK),
    }
