"""Sending: the task worker (`manage.py db_worker`) sends a queued message, never twice, retrying with backoff.

`enqueue(pk)` is called once the message's row is committed (outbox.queue). The worker claims the message
(queued and due to sending, so however many workers see the task one sends it), marks it handed over just before it
gives it to the mail server or SMS gateway, and marks it sent. On an error it goes back to queued with the next
attempt after a growing pause (settings.MESSAGE_RETRY_SECONDS), until settings.MESSAGE_MAX_ATTEMPTS attempts have
failed: then it is failed with the error recorded.

The worker's periodic `sweep()` sends the messages whose next attempt is due, and looks after messages whose worker
stopped: one claimed but not handed over is queued again; one handed over may have gone out, so it is failed (and
never sent again) with a reason saying so. No address is written to a log line.
"""

import base64
import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from jobbro import textlimits
from jobbro.messaging import sms
from jobbro.messaging.models import Channel, Message

log = logging.getLogger(__name__)
# A worker that took a message this long ago without finishing has stopped (sending one takes seconds).
STALE_SECONDS = 15 * 60


def enqueue(message_id):
    send_message.enqueue(message_id)


@task()
def send_message(message_id):
    execute(message_id)


def backoff(attempts):
    """Seconds to wait after the attempt numbered `attempts` failed."""
    steps = settings.MESSAGE_RETRY_SECONDS
    return steps[min(attempts, len(steps)) - 1]


def claim(message_id, now=None):
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Message.objects.filter(due, pk=message_id, state=Message.State.QUEUED).update(
            state=Message.State.SENDING, attempts=F("attempts") + 1, claimed_at=now, handed_over_at=None
        )
    )


def deliver(message):
    """Give the message to the mail server or the SMS gateway; raises when it is not accepted."""
    if message.channel == Channel.EMAIL:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"X-Jobbro-Message": str(message.pk)},
        )
        if message.unsubscribe_url:
            email.extra_headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        for name, content, mimetype in attachments_of(message):
            email.attach(name, content, mimetype)
        email.send(fail_silently=False)
    else:
        sms.backend().send(message.to, message.body)


def attachments_of(message):
    return [(a["filename"], base64.b64decode(a["content"]), a["mimetype"]) for a in message.attachments]


def execute(message_id):
    """Send the message if it is queued and due; its outcome is written to its row. True when it was sent."""
    if not claim(message_id):
        log.info("Message %s was not queued and due; left alone", message_id)
        return False
    message = Message.objects.get(pk=message_id)
    Message.objects.filter(pk=message_id, state=Message.State.SENDING).update(handed_over_at=timezone.now())
    try:
        deliver(message)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[: textlimits.ERROR]
        now = timezone.now()
        if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
            Message.objects.filter(pk=message_id, state=Message.State.SENDING).update(
                state=Message.State.FAILED, last_error=reason, next_attempt_at=None, handed_over_at=None
            )
            log.warning("Message %s failed after %s attempts: %s", message_id, message.attempts, type(error).__name__)
        else:
            Message.objects.filter(pk=message_id, state=Message.State.SENDING).update(
                state=Message.State.QUEUED,
                last_error=reason,
                next_attempt_at=now + datetime.timedelta(seconds=backoff(message.attempts)),
                handed_over_at=None,
            )
            log.info("Message %s attempt %s failed; retried later", message_id, message.attempts)
        return False
    Message.objects.filter(pk=message_id).update(state=Message.State.SENT, sent_at=timezone.now(), last_error="")
    return True


def recover_stopped(now=None):
    """Messages whose worker stopped: queued again when not yet handed over, failed when they may have gone out."""
    now = now or timezone.now()
    stale = Message.objects.filter(
        state=Message.State.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=STALE_SECONDS)
    )
    requeued = stale.filter(handed_over_at__isnull=True).update(state=Message.State.QUEUED, next_attempt_at=now)
    failed = stale.filter(handed_over_at__isnull=False).update(
        state=Message.State.FAILED,
        last_error="The worker stopped while handing the message over; it may have been sent, so it is not sent again.",
    )
    return requeued, failed


def send_due(now=None, limit=500):
    """Send the queued messages whose (next) attempt is due, in this process; how many were sent."""
    now = now or timezone.now()
    due = Message.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), state=Message.State.QUEUED
    ).order_by("pk")
    return sum(execute(pk) for pk in due.values_list("pk", flat=True)[:limit])


def sweep():
    """The worker's periodic job for messages (settings.WORKER_PERIODIC_JOBS)."""
    requeued, failed = recover_stopped()
    sent = send_due()
    if requeued or failed or sent:
        log.info("Message sweep: %s requeued, %s failed as maybe sent, %s sent", requeued, failed, sent)
