"""Pages of the messaging app: the public unsubscribe page (no login), the template editor, the small-jobs list's
subscribers and opt-outs (coordinators and administrators), and recording a citizen's consent to be contacted.
The message log itself is a section of the citizen and company pages (templatetags/messaging_tags.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.formtools import run_action
from jobbro.messaging import actions, templates
from jobbro.messaging import unsubscribe as unsubscribe_links
from jobbro.messaging.defaults import DEFAULTS
from jobbro.messaging.forms import ConsentForm, OptOutForm, SubscriptionForm, TemplateForm
from jobbro.messaging.models import Message, MessageTemplate, OptOut, Purpose, Subscription
from jobbro.people.access import access_citizen


def _require(user, capability):
    if not may(user, capability):
        raise Http404


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Asks first (GET: a mail scanner that follows links unsubscribes nobody), unsubscribes on POST, no login."""
    try:
        message = Message.objects.get(pk=unsubscribe_links.read(token), unsubscribe_url__gt="")
    except (signing.BadSignature, Message.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    purpose = message.purpose
    label = Purpose(purpose).label if purpose in Purpose.values else purpose
    done = False
    if request.method == "POST":
        actions.opt_out(address=message.to, purpose=purpose, via=OptOut.Via.LINK)
        done = True
    return render(request, "messaging/unsubscribe.html", {"purpose": label, "done": done})


# --- Templates ---------------------------------------------------------------------------------------------------


@login_required
def template_list(request):
    _require(request.user, Capability.MANAGE_MESSAGES)
    rows = templates.ensure_all()
    return render(request, "messaging/template_list.html", {"templates": rows})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_pk):
    _require(request.user, Capability.MANAGE_MESSAGES)
    row = get_object_or_404(MessageTemplate, pk=template_pk)
    form = TemplateForm(request.POST or None, initial={"subject": row.subject, "body": row.body})
    if request.method == "POST" and form.is_valid():
        saved = run_action(
            form,
            actions.edit_template,
            acting_user=request.user,
            template=row,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
        if saved is not None:
            messages.success(request, _("The template is saved."))
            return redirect("message_templates")
    variables = sorted(templates.examples(row.key))
    default = DEFAULTS.get(row.key)
    return render(
        request,
        "messaging/template_edit.html",
        {"template": row, "form": form, "variables": variables, "default": default},
    )


# --- The small-jobs list's subscribers, opt-outs -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def subscription_list(request):
    user = request.user
    _require(user, Capability.MANAGE_MESSAGES)
    programmes = list(access.visible_programmes(user))
    form = SubscriptionForm(request.POST or None, programmes=access.visible_programmes(user))
    if request.method == "POST" and form.is_valid():
        actions.subscribe(acting_user=user, programme=form.cleaned_data["programme"], email=form.cleaned_data["email"])
        messages.success(request, _("The address is on the small-jobs list."))
        return redirect("message_subscriptions")
    subscriptions = (
        Subscription.objects.filter(programme__in=programmes, ended_at__isnull=True)
        .select_related("programme", "contact__company")
        .order_by("programme__name", "email")
    )
    opt_outs = OptOut.objects.order_by("-created_at")[:50]
    return render(
        request,
        "messaging/subscriptions.html",
        {"form": form, "subscriptions": subscriptions, "opt_outs": opt_outs, "opt_out_form": OptOutForm()},
    )


@login_required
@require_POST
def subscription_end(request, subscription_pk):
    user = request.user
    _require(user, Capability.MANAGE_MESSAGES)
    subscription = get_object_or_404(
        Subscription, pk=subscription_pk, programme__in=access.visible_programmes(user), ended_at__isnull=True
    )
    actions.end_subscription(subscription=subscription, acting_user=user)
    messages.success(request, _("The address is taken off the small-jobs list."))
    return redirect("message_subscriptions")


@login_required
@require_POST
def opt_out_new(request):
    user = request.user
    _require(user, Capability.MANAGE_MESSAGES)
    form = OptOutForm(request.POST)
    if form.is_valid():
        actions.opt_out(
            address=form.cleaned_data["address"],
            purpose=form.cleaned_data["purpose"],
            via=OptOut.Via.STAFF,
            acting_user=user,
        )
        messages.success(request, _("The opt-out is recorded."))
    else:
        messages.error(request, _("Write an e-mail address or a phone number."))
    return redirect("message_subscriptions")


# --- A citizen's consent to be contacted ------------------------------------------------------------------------


@login_required
@require_POST
def contact_consent(request, citizen_pk):
    user = request.user
    citizen = access_citizen(user, citizen_pk)
    _require(user, Capability.CASE_WORK)
    form = ConsentForm(request.POST)
    if form.is_valid():
        actions.record_contact_consent(
            acting_user=user,
            citizen=citizen,
            channel=form.cleaned_data["channel"],
            given=form.cleaned_data["given"] == "yes",
        )
        messages.success(request, _("The consent to be contacted is recorded."))
    return redirect(reverse("citizen_detail", kwargs={"citizen_pk": citizen.pk}) + "#message-log")
