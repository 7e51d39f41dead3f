"""Meetings for the demo programme: in every state (planned, moved, held, cancelled, no-show by the citizen and by the
company), with the demo's citizens, companies and contact persons, booked by their job brokers through the real
actions. The invitations go to the development backends (e-mail files under var/mail/, SMS in var/sms/)."""

import datetime
import random
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jobbro.accounts.models import Role, User
from jobbro.cases.models import Contact, Enrolment
from jobbro.companies.models import Company
from jobbro.matching.models import MatchProposal, MatchStatus
from jobbro.meetings import actions
from jobbro.meetings.ical import COPENHAGEN
from jobbro.messaging import tasks
from jobbro.messaging.models import Message
from jobbro.reporting import company_facts

# (kind, days from today, what happens to it)
PLAN = [
    ("match_meeting", -40, "held"),
    ("coffee_visit", -33, "no_show_citizen"),
    ("three_month_talk", -26, "held"),
    ("follow_up", -19, "cancelled_citizen"),
    ("coffee_visit", -12, "no_show_company"),
    ("match_meeting", -5, "held"),
    ("three_month_talk", -2, "planned"),  # the outcome not yet recorded
    ("follow_up", 1, "planned"),
    ("coffee_visit", 3, "moved"),
    ("three_month_talk", 6, "cancelled_company"),
    ("follow_up", 9, "planned"),
    ("match_meeting", 14, "planned"),
]


def _at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=COPENHAGEN)


def add_meetings_demo(programme, today, seed=2026):
    """Book the demo's meetings. Returns a Counter for the demo's summary: the meetings booked, and the contacts the
    meetings held added to the cases (keyed by the Contact model, as the generator counts rows)."""
    contacts_before = Contact.objects.filter(enrolment__programme=programme).count()
    booked = _book(programme, today, seed)
    # The meetings held are contacts with companies: their track records are brought up to date, as the worker would.
    company_facts.catch_up()
    return Counter(
        {"meetings": booked, Contact: Contact.objects.filter(enrolment__programme=programme).count() - contacts_before}
    )


def _book(programme, today, seed):
    from jobbro.messaging import actions as messaging_actions

    rng = random.Random(seed + 17)
    enrolments = list(
        Enrolment.objects.in_programme_effort()
        .filter(programme=programme, ended_on__isnull=True, job_broker__isnull=False, started_on__isnull=False)
        .select_related("citizen", "job_broker", "site")
        .order_by("pk")[:60]
    )
    companies = [
        c for c in Company.objects.filter(agreements__programme=programme).order_by("pk")[:40] if c.contacts.exists()
    ]
    if not enrolments or not companies:
        return 0
    booked = 0
    for n, (kind, days, fate) in enumerate(PLAN * 2):
        enrolment = enrolments[n % len(enrolments)]
        company = companies[rng.randrange(len(companies))]
        contact = company.contacts.order_by("-is_buddy", "pk").first()
        broker = enrolment.job_broker
        if n % 3 == 0:
            messaging_actions.record_contact_consent(
                acting_user=broker,
                citizen=enrolment.citizen,
                channel="email" if enrolment.citizen.email else "sms",
                given=True,
            )
        day = today + datetime.timedelta(days=days + n // len(PLAN))
        starts = _at(day, 9 + n % 6)
        try:
            with transaction.atomic():
                meeting = actions.schedule_meeting(
                    acting_user=broker,
                    kind=kind,
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=1),
                    address=f"{company.address or company.name}, {company.postcode} {company.city}".strip(", "),
                    enrolment=enrolment,
                    company=company,
                    company_contacts=[contact],
                )
                _fate(meeting, fate, broker)
        except (ValidationError, PermissionDenied):
            continue  # a case the rules do not allow a meeting for (e.g. the control group): the next one
        booked += 1
    coordinator = User.objects.filter(role=Role.COORDINATOR, memberships__programme=programme).first()
    if coordinator is not None:
        company = companies[0]
        starts = _at(today + datetime.timedelta(days=2), 13)
        actions.schedule_meeting(
            acting_user=coordinator,
            kind="follow_up",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
            place_kind="online",
            online_link="https://moede.example/jobbro-opfoelgning",
            company=company,
            programme=programme,
            company_contacts=list(company.contacts.order_by("pk")[:2]),
        )
        booked += 1
    booked += _match_meeting(programme, today)
    # The worker sends them; the demo sends its meetings' invitations at once, to the development backends.
    for pk in Message.objects.filter(purpose=actions.PURPOSE, state=Message.State.QUEUED).values_list("pk", flat=True):
        tasks.execute(pk)
    return booked


def _fate(meeting, fate, user):
    if fate == "held":
        actions.record_outcome(acting_user=user, meeting=meeting, held=True)
    elif fate.startswith("no_show_"):
        actions.record_outcome(acting_user=user, meeting=meeting, held=False, no_show_by=fate.removeprefix("no_show_"))
    elif fate.startswith("cancelled_"):
        actions.cancel_meeting(
            acting_user=user, meeting=meeting, cancelled_by=fate.removeprefix("cancelled_"), reason="time_does_not_fit"
        )
    elif fate == "moved":
        later = datetime.timedelta(days=2)
        actions.move_meeting(
            acting_user=user, meeting=meeting, starts_at=meeting.starts_at + later, ends_at=meeting.ends_at + later
        )


def _match_meeting(programme, today):
    """A match proposal still waiting for its meeting gets one, with time and place (the match is booked too)."""
    proposal = (
        MatchProposal.objects.filter(enrolment__programme=programme, status=MatchStatus.PROPOSED)
        .select_related("enrolment__job_broker", "opening__company", "opening__buddy")
        .exclude(enrolment__job_broker__isnull=True)
        .order_by("pk")
        .first()
    )
    if proposal is None:
        return 0
    starts = _at(today + datetime.timedelta(days=4), 10)
    try:
        with transaction.atomic():
            actions.schedule_meeting(
                acting_user=proposal.enrolment.job_broker,
                kind="match_meeting",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
                address=proposal.opening.company.address or proposal.opening.company.name,
                match=proposal,
                company_contacts=[proposal.opening.buddy] if proposal.opening.buddy_id else [],
            )
    except (ValidationError, PermissionDenied):
        return 0
    return 1
