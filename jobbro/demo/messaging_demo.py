"""Messages for the demo programme, through the real path (actions, the outbox, the worker's send) to the development
backends: e-mails as files under var/mail/, text messages as JSON lines in var/sms/outbox.jsonl.

Some company contacts and the network's shared address subscribe to the small-jobs list, and this fortnight's list is
sent; a few citizens consent to be contacted by e-mail or SMS; a few placements whose company has not sent last week's
hours yet remind their buddy and contact person; one contact opts out of reminders."""

import datetime
import random
from collections import Counter

from django.utils import timezone

from jobbro.accounts.models import Role, User
from jobbro.cases.models import Enrolment, Timesheet
from jobbro.companies.models import CompanyContact
from jobbro.messaging import actions, periodic, tasks
from jobbro.messaging.models import Message
from jobbro.reporting import facts

SUBSCRIBING_CONTACTS = 6
CONSENTING_CITIZENS = 8
REMINDED_PLACEMENTS = 4


def _now_on(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _hours_not_sent_yet(programme, monday, rng):
    """A few companies have not sent last week's hours yet: those weeks' timesheets are taken out again (the
    generator writes every week that has ended), and the report facts of their cases brought up to date."""
    sheets = Timesheet.objects.filter(
        week_start=monday, placement__enrolment__programme=programme, placement__buddy__isnull=False
    ).order_by("pk")
    chosen = list(sheets.values_list("pk", "placement__enrolment_id")[: REMINDED_PLACEMENTS * 3])
    chosen = rng.sample(chosen, min(REMINDED_PLACEMENTS, len(chosen)))
    Timesheet.objects.filter(pk__in=[pk for pk, _enrolment in chosen]).delete()
    facts.refresh_for(facts.Written.of_enrolments([enrolment for _pk, enrolment in chosen]))
    return len(chosen)


def add_messaging_demo(programme, today, seed=2026):
    """Returns a Counter for the demo's summary: subscriptions and messages sent."""
    rng = random.Random(seed + 29)
    coordinator = User.objects.filter(role=Role.COORDINATOR, memberships__programme=programme).first()
    contacts = list(
        CompanyContact.objects.filter(company__agreements__programme=programme, is_buddy=False)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )
    subscribers = rng.sample(contacts, min(SUBSCRIBING_CONTACTS, len(contacts)))
    for contact in subscribers:
        actions.subscribe(acting_user=coordinator, programme=programme, contact=contact)
    actions.subscribe(acting_user=coordinator, programme=programme, email="netvaerk@jobbro.example")
    if len(subscribers) > 1:  # one contact has had enough of reminders
        actions.opt_out(address=subscribers[-1].email, purpose="hours_reminder")

    enrolments = list(
        Enrolment.objects.filter(programme=programme, ended_on__isnull=True, job_broker__isnull=False)
        .exclude(citizen__email="")
        .select_related("citizen", "job_broker")
        .order_by("pk")[: CONSENTING_CITIZENS * 3]
    )
    for enrolment in rng.sample(enrolments, min(CONSENTING_CITIZENS, len(enrolments))):
        for channel in ("email", "sms"):
            actions.record_contact_consent(
                acting_user=enrolment.job_broker, citizen=enrolment.citizen, channel=channel, given=True
            )

    lists = periodic.send_small_jobs_lists(_now_on(today, 12))
    reminder_day = today if today.isoweekday() >= 2 else today + datetime.timedelta(days=1)
    taken_out = _hours_not_sent_yet(programme, periodic.last_week(_now_on(reminder_day, 10)), rng)
    reminders = periodic.remind_missing_hours(_now_on(reminder_day, 10), limit=REMINDED_PLACEMENTS)
    # The worker sends them; the demo sends them at once, to the development backends.
    queued = Message.objects.filter(
        purpose__in=("small_jobs_list", "hours_reminder"), state=Message.State.QUEUED
    ).values_list("pk", flat=True)
    sent = sum(tasks.execute(pk) for pk in list(queued))
    # The summary counts every timesheet the generator wrote: the ones taken out again are taken off.
    return Counter(
        {
            "subscriptions": len(subscribers) + 1,
            "messages_sent": sent,
            "lists": lists,
            "reminders": reminders,
            Timesheet: -taken_out,
        }
    )
