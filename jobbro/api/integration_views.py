"""The administrators' page of integrations: create one (its token is shown this once) and revoke one.

The page needs the manage-integrations capability (accounts/policy.py PAGES); others get 404. The writes go through
api/actions.py, which logs them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobbro.accounts.policy import Capability, may
from jobbro.api import actions
from jobbro.api.forms import IntegrationForm
from jobbro.api.models import Integration
from jobbro.formtools import run_action


def _manager(request):
    if not may(request.user, Capability.MANAGE_INTEGRATIONS):
        raise Http404


# The new token between the form's POST and the page it redirects to (so a reload never creates a second one): taken
# out of the session by that page, shown once.
NEW_TOKEN = "api_new_integration_token"


@login_required
def integration_list(request):
    _manager(request)
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = run_action(form, actions.create_integration, acting_user=request.user, **form.action_arguments())
        if result:
            created, token = result
            request.session[NEW_TOKEN] = {"pk": created.pk, "token": token}
            return redirect("integration_list")
    new = request.session.pop(NEW_TOKEN, None) if request.method == "GET" else None
    integrations = Integration.objects.select_related("user", "created_by", "revoked_by")
    created = integrations.filter(pk=new["pk"]).first() if new else None
    return render(
        request,
        "api/integrations.html",
        {
            "form": form,
            "integrations": integrations,
            "token": new["token"] if created else None,
            "created": created,
            "now": timezone.now(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def integration_revoke(request, pk):
    _manager(request)
    integration = get_object_or_404(Integration, pk=pk)
    actions.revoke_integration(acting_user=request.user, integration=integration)
    messages.success(
        request,
        _("The integration %(name)s is revoked: its token is refused from now on.") % {"name": integration.name},
    )
    return redirect("integration_list")
