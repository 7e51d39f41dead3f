"""Pages of the messaging app: the public unsubscribe page (no login), the template editor, the small-jobs list's
subscribers, and the message log section of the citizen and company pages."""

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jobbro.messaging import actions
from jobbro.messaging import unsubscribe as unsubscribe_links
from jobbro.messaging.models import Message, OptOut, Purpose


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Asks first (GET: a mail scanner that follows links unsubscribes nobody), unsubscribes on POST, no login."""
    try:
        message = Message.objects.get(pk=unsubscribe_links.read(token), unsubscribe_url__gt="")
    except (signing.BadSignature, Message.DoesNotExist):
        raise Http404 from None
    purpose = message.purpose
    label = Purpose(purpose).label if purpose in Purpose.values else purpose
    done = False
    if request.method == "POST":
        actions.opt_out(address=message.to, purpose=purpose, via=OptOut.Via.LINK)
        done = True
    return render(request, "messaging/unsubscribe.html", {"purpose": label, "done": done})
