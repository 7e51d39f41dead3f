"""The worker's periodic message jobs (settings.WORKER_PERIODIC_JOBS): the fortnightly small-jobs list, and the
reminders of missing hours. Both run every minute and are idempotent: a message's dedupe key names its subscriber and
fortnight, or its placement, week and recipient, so a second run (or a second worker) sends nothing new.

- `send_small_jobs_lists(now)`: in each fortnight (two ISO weeks, counted from Monday 1 January 2024), once
  settings.SMALL_JOBS_LIST_HOUR has passed on its first Monday, every active subscriber of a programme with open small
  jobs is sent the programme's open small jobs, listed in the text and attached as the board's spreadsheet, with an
  unsubscribe link. A programme without open small jobs sends nothing that fortnight.
- `remind_missing_hours(now)`: from settings.HOURS_REMINDER_WEEKDAY at settings.HOURS_REMINDER_HOUR, for every
  placement that ran last week, expects weekly hours and has no timesheet for that week, its buddy and the company's
  contact person (the first contact by name who is not a buddy and has an address) are reminded, by e-mail, or by SMS
  when only a phone number is known. The reminder holds a link to write the hours when a link issuer is configured
  (settings.HOURS_REMINDER_LINK_ISSUER, the portal's `issue`), issued in the name of the citizen's job broker; when it
  is not, or the job broker may not issue links, the reminder asks for the hours without a link.
"""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from jobbro.messaging import outbox
from jobbro.messaging.models import Channel, Message, Purpose, Subscription

log = logging.getLogger(__name__)
EPOCH = datetime.date(2024, 1, 1)  # a Monday: fortnights are counted from it
DANISH_DAYS = {"mon": "man", "tue": "tir", "wed": "ons", "thu": "tor", "fri": "fre", "sat": "lør", "sun": "søn"}


def fortnight_start(on):
    return EPOCH + datetime.timedelta(days=(on - EPOCH).days // 14 * 14)


def danish_number(value):
    text = f"{Decimal(value).normalize():f}" if value is not None else ""
    return text.replace(".", ",")


def small_jobs_text(openings):
    lines = []
    for opening in openings:
        days = ", ".join(DANISH_DAYS.get(day, day) for day in opening.days)
        details = f"{danish_number(opening.weekly_hours)} timer om ugen" + (f", {days}" if days else "")
        place = ", ".join(part for part in (opening.company.name, opening.company.city) if part)
        lines.append(f"- {opening.title} – {place} ({details})")
    return "\n".join(lines)


def send_small_jobs_lists(now=None):
    """Queue this fortnight's small-jobs list for every subscriber not sent it yet; how many were queued."""
    from jobbro.companies.board_export import board_xlsx
    from jobbro.companies.models import Opening

    now = timezone.localtime(now or timezone.now())
    start = fortnight_start(now.date())
    if now.date() == start and now.hour < settings.SMALL_JOBS_LIST_HOUR:
        return 0
    subscriptions = Subscription.objects.filter(ended_at__isnull=True).select_related("programme", "contact")
    keys = {subscription.pk: f"small_jobs_list:{subscription.pk}:{start.isoformat()}" for subscription in subscriptions}
    sent = set(Message.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    waiting = [subscription for subscription in subscriptions if keys[subscription.pk] not in sent]
    queued = 0
    by_programme = {}
    for subscription in waiting:
        by_programme.setdefault(subscription.programme, []).append(subscription)
    for programme, subscribers in by_programme.items():
        openings = list(
            Opening.objects.open()
            .filter(programme=programme)
            .select_related("company", "buddy", "programme")
            .order_by("-posted_on", "title", "pk")
        )
        if not openings:
            continue
        sheet = board_xlsx(openings, user=None, on=now.date())
        jobs = small_jobs_text(openings)
        for subscription in subscribers:
            context = {
                "name": subscription.contact.name if subscription.contact else "",
                "programme": programme.name,
                "date": f"{now.date():%d.%m.%Y}",
                "jobs": jobs,
            }
            subject, body = outbox.render("small_jobs_list", context)
            message = outbox.queue(
                channel=Channel.EMAIL,
                to=subscription.email,
                subject=subject,
                body=body,
                dedupe_key=keys[subscription.pk],
                company=subscription.contact.company if subscription.contact else None,
                attachments=[
                    (
                        f"smaajob-{now.date():%Y-%m-%d}.xlsx",
                        sheet,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                ],
                purpose=Purpose.SMALL_JOBS_LIST,
            )
            queued += message is not None
    if queued:
        log.info("Small-jobs list: %s messages queued for the fortnight from %s", queued, start)
    return queued


# --- Reminders of missing hours ----------------------------------------------------------------------------------


def last_week(now):
    this_monday = now.date() - datetime.timedelta(days=now.date().weekday())
    return this_monday - datetime.timedelta(days=7)


def placements_missing_hours(monday):
    from jobbro.cases.models import KINDS_WITHOUT_WEEKLY_HOURS, Placement

    sunday = monday + datetime.timedelta(days=6)
    return (
        Placement.objects.running_between(monday, sunday)
        .exclude(kind__in=KINDS_WITHOUT_WEEKLY_HOURS)
        .exclude(timesheets__week_start=monday)
        .select_related("enrolment__citizen", "enrolment__programme", "enrolment__job_broker", "company", "buddy")
        .order_by("pk")
    )


def company_contact_person(company):
    """The company's contact person: the first contact by name who is not a buddy and has an e-mail or phone."""
    contacts = sorted(company.contacts.all(), key=lambda contact: (contact.name, contact.pk))  # prefetched
    return next((c for c in contacts if not c.is_buddy and (c.email or c.phone)), None)


def hours_link(placement, contact, audience):
    """A link to write the hours, from the configured issuer, in the job broker's name; "" when there is none."""
    path = getattr(settings, "HOURS_REMINDER_LINK_ISSUER", "")
    broker = placement.enrolment.job_broker
    if not path or broker is None:
        return ""
    try:
        issue = import_string(path)
    except ImportError:
        return ""
    try:
        _link, url = issue(acting_user=broker, audience=audience, target=contact)
    except Exception as error:  # no right to issue, no agreement with the programme, ...
        log.info("Hours reminder for placement %s without a link: %s", placement.pk, type(error).__name__)
        return ""
    return url


def remind_missing_hours(now=None, limit=None):
    """Queue last week's reminders not queued yet (for at most `limit` placements); how many were queued."""
    now = timezone.localtime(now or timezone.now())
    if (now.isoweekday(), now.hour) < (settings.HOURS_REMINDER_WEEKDAY, settings.HOURS_REMINDER_HOUR):
        return 0
    monday = last_week(now)
    year, week, _day = monday.isocalendar()
    queued = 0
    # Once a minute all week: the reminders already queued are read in one query, the contacts with the placements.
    done = set(
        Message.objects.filter(
            purpose=Purpose.HOURS_REMINDER, dedupe_key__contains=f":{year}-W{week:02d}:"
        ).values_list("dedupe_key", flat=True)
    )
    placements = placements_missing_hours(monday).prefetch_related("company__contacts")
    for placement in placements[:limit] if limit else placements:
        recipients = []
        if placement.buddy_id:
            recipients.append((placement.buddy, "buddy"))
        person = company_contact_person(placement.company)
        if person is not None and person.pk != placement.buddy_id:
            recipients.append((person, "company_contact"))
        for contact, audience in recipients:
            key = f"hours_reminder:{placement.pk}:{year}-W{week:02d}:{contact.pk}"
            if key in done:
                continue
            channel = Channel.EMAIL if contact.email else Channel.SMS if contact.phone else None
            if channel is None or outbox.opted_out(channel, contact.email or contact.phone, Purpose.HOURS_REMINDER):
                continue
            context = {
                "name": contact.name.split()[0] if contact.name else "",
                "citizen": placement.enrolment.citizen.first_name,
                "week": str(week),
                "company": placement.company.name,
                "link": hours_link(placement, contact, audience),
                "programme": placement.enrolment.programme.name,
            }
            template = "hours_reminder" if channel == Channel.EMAIL else "hours_reminder_sms"
            subject, body = outbox.render(template, context)
            message = outbox.queue(
                channel=channel,
                to=contact.email or contact.phone,
                subject=subject,
                body=body,
                dedupe_key=key,
                citizen=placement.enrolment.citizen,
                company=placement.company,
                purpose=Purpose.HOURS_REMINDER,
            )
            queued += message is not None
    if queued:
        log.info("Hours reminders: %s queued for week %s-W%02d", queued, year, week)
    return queued
