"""Company activities and events for the demo programme, written through the real actions: visits, calls and
follow-ups in the companies' activity logs, and events of every kind (a buddy training whose attendance sets the
buddies' training dates, a buddy meeting, a cluster meeting, a speed-dating event with its saved plan and outcomes
that became match proposals, a group course with sessions and peer elements, open counselling hours with drop-in
counts and one named visit with consent), held and coming up, with registrations, cancellations, attendance and
no-shows. Deterministic: every choice comes from a Random seeded with the demo's seed."""

import datetime
import random
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jobbro.accounts.models import Role, User
from jobbro.cases.models import Enrolment
from jobbro.companies import actions as company_actions
from jobbro.companies.models import Company, CompanyActivity, CompanyContact
from jobbro.matching import speed_dating
from jobbro.outreach import actions
from jobbro.outreach.models import ConversationOutcome, EventKind, SpeedDatingConversation

ACTIVITY_NOTES = (
    "Rundvisning i køkkenet; de kan tage en til opvask fra næste måned.",
    "Ringede om sommerferien og småjob i august.",
    "Opfølgning på aftalen: buddy er klar.",
    "Kaffemøde med indehaveren om rengøringsopgaver.",
    "",
)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def add_outreach_demo(programme, today, seed=2026):
    """Write the demo's company activities and events. Returns a Counter for the demo's summary."""
    rng = random.Random(seed + 31)
    coordinator = User.objects.filter(role=Role.COORDINATOR, memberships__programme=programme).order_by("pk").first()
    if coordinator is None:
        return Counter()
    enrolments = list(
        Enrolment.objects.in_programme_effort()
        .filter(programme=programme, ended_on__isnull=True, job_broker__isnull=False)
        .select_related("citizen", "job_broker")
        .order_by("pk")[:40]
    )
    companies = list(Company.objects.filter(agreements__programme=programme).distinct().order_by("pk")[:30])
    counts = Counter()
    counts["company activities"] = _activities(programme, today, rng, coordinator, enrolments, companies)
    counts["events"] = _events(programme, today, rng, coordinator, enrolments, companies)
    return counts


def _activities(programme, today, rng, coordinator, enrolments, companies):
    written = 0
    brokers = sorted({e.job_broker for e in enrolments}, key=lambda u: u.pk)
    kinds = list(CompanyActivity.Kind.values)
    for n, company in enumerate(companies[:20]):
        contacts = list(company.contacts.order_by("pk"))
        for k in range(rng.randint(1, 3)):
            user = coordinator if (n + k) % 3 == 0 or not brokers else brokers[(n + k) % len(brokers)]
            citizens = []
            if user != coordinator and rng.random() < 0.3:
                own = [e.citizen for e in enrolments if e.job_broker_id == user.pk]
                citizens = own[:1]
            try:
                with transaction.atomic():
                    company_actions.record_company_activity(
                        acting_user=user,
                        company=company,
                        programme=programme,
                        kind=kinds[(n + k) % len(kinds)],
                        occurred_on=today - datetime.timedelta(days=rng.randint(1, 150)),
                        contacts=contacts[:1] if contacts and rng.random() < 0.8 else [],
                        citizens=citizens,
                        note=rng.choice(ACTIVITY_NOTES),
                    )
                written += 1
            except (ValidationError, PermissionDenied):
                continue
    return written


def _register(event, acting_user, **participant):
    try:
        with transaction.atomic():
            return actions.register(acting_user=acting_user, event=event, **participant)
    except (ValidationError, PermissionDenied):
        return None


def _attend(event, acting_user, registrations, pattern, session=None):
    """Attendance by a pattern of "y" (came), "n" (no-show), "c" (cancelled), "-" (not recorded yet)."""
    attended = {}
    for registration, mark in zip(registrations, pattern, strict=False):
        if registration is None:
            continue
        if mark == "c" and session is None:
            actions.cancel_registration(acting_user=acting_user, registration=registration)
        elif mark in "yn":
            attended[registration] = mark == "y"
    if attended:
        actions.record_attendance(acting_user=acting_user, event=event, attended=attended, session=session)


def _events(programme, today, rng, coordinator, enrolments, companies):
    created = 0
    site = programme.sites.order_by("pk").first()
    buddies = list(CompanyContact.objects.filter(company__in=companies, is_buddy=True).order_by("pk")[:14])
    contacts = list(CompanyContact.objects.filter(company__in=companies).order_by("pk")[:20])

    def event(kind, title, days, hour, hours, place, **extra):
        nonlocal created
        starts = _at(today + datetime.timedelta(days=days), hour)
        created += 1
        return actions.create_event(
            acting_user=coordinator,
            programme=programme,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=hours),
            place=place,
            **extra,
        )

    # Buddy trainings: one held (attendance sets the buddies' training dates), one coming up.
    training = event(
        EventKind.BUDDY_TRAINING, "Buddyuddannelse (halv dag)", -21, 9, 3.5, "Jobcentret, mødelokale 1", capacity=12
    )
    registered = [_register(training, coordinator, contact=b) for b in buddies[:7]]
    _attend(training, coordinator, registered, "yyyyync")
    upcoming = event(
        EventKind.BUDDY_TRAINING, "Buddyuddannelse (halv dag)", 24, 9, 3.5, "Jobcentret, mødelokale 1", capacity=12
    )
    for b in buddies[7:11]:
        _register(upcoming, coordinator, contact=b)

    # A buddy meeting held, one coming up.
    meeting = event(EventKind.BUDDY_MEETING, "Buddymøde: erfaringer fra første måned", -9, 15, 2, "Café Havnen")
    registered = [_register(meeting, coordinator, contact=b) for b in buddies[:6]]
    _attend(meeting, coordinator, registered, "yynyc-")
    event(EventKind.BUDDY_MEETING, "Buddymøde", 33, 15, 2, "Café Havnen")

    # A cluster meeting with companies, citizens and staff.
    cluster = event(
        EventKind.CLUSTER_MEETING, "Klyngemøde: småjob i detailhandlen", -14, 8, 2, "Erhvervshuset", capacity=40
    )
    registered = [_register(cluster, coordinator, contact=c) for c in contacts[:8]]
    registered += [_register(cluster, e.job_broker, enrolment=e) for e in enrolments[:4]]
    registered += [_register(cluster, coordinator, user=coordinator)]
    _attend(cluster, coordinator, registered, "yyyynyycyyny" + "y")
    event(EventKind.CLUSTER_MEETING, "Klyngemøde: sæsonjob", 40, 8, 2, "Erhvervshuset", capacity=40)

    # Speed dating: registered citizens and companies' contacts, the plan saved, outcomes recorded.
    dating = event(
        EventKind.SPEED_DATING,
        "Speed dating med netværkets virksomheder",
        -6,
        10,
        2,
        "Jobcentret, kantinen",
        capacity=30,
    )
    with_openings = [c for c in companies if c.openings.open().filter(programme=programme).exists()][:4]
    for company in with_openings:
        contact = company.contacts.order_by("-is_buddy", "pk").first()
        if contact is not None:
            _register(dating, coordinator, contact=contact)
    for e in enrolments[4:10]:
        _register(dating, e.job_broker, enrolment=e)
    speed_dating.save_speed_dating_plan(acting_user=coordinator, event=dating, rounds=3, on=today)
    actions.record_attendance(
        acting_user=coordinator,
        event=dating,
        attended={r: True for r in dating.registrations.exclude(state="cancelled")},
    )
    outcomes = [
        ConversationOutcome.BOTH,
        ConversationOutcome.COMPANY_ONLY,
        ConversationOutcome.CITIZEN_ONLY,
        ConversationOutcome.NO,
    ]
    for conversation in SpeedDatingConversation.objects.filter(event=dating).order_by("round", "pk"):
        outcome = outcomes[rng.randrange(len(outcomes))]
        try:
            with transaction.atomic():
                speed_dating.record_conversation_outcome(
                    acting_user=coordinator, conversation=conversation, outcome=outcome
                )
        except (ValidationError, PermissionDenied):
            continue
    event(EventKind.SPEED_DATING, "Speed dating", 45, 10, 2, "Jobcentret, kantinen", capacity=30)

    # A group course with weekly sessions, the second and fourth with peer elements; two sessions still to come.
    first = today - datetime.timedelta(days=20)
    sessions = [
        (
            _at(first + datetime.timedelta(days=7 * i), 10),
            _at(first + datetime.timedelta(days=7 * i), 12),
            i in (1, 3),
            "Tidligere deltagere fortæller, hvordan de kom i job" if i in (1, 3) else "",
        )
        for i in range(5)
    ]
    course = event(
        EventKind.GROUP_COURSE,
        "Gruppeforløb: vejen til småjob",
        -20,
        10,
        2,
        "Boligsocialt hus, Gellerup",
        capacity=10,
        sessions=sessions,
    )
    registered = [_register(course, e.job_broker, enrolment=e) for e in enrolments[10:18]]
    now = timezone.now()
    for session in course.sessions.all():
        if session.starts_at > now:
            continue
        pattern = "".join(rng.choice("yyyn") for _ in registered)
        _attend(course, coordinator, registered, pattern, session=session)

    # Open counselling hours at the outreach office: drop-in counts, one named visit with consent.
    hours = event(
        EventKind.OPEN_COUNSELLING,
        "Åben rådgivning i Gellerup",
        -3,
        13,
        3,
        "Den boligsociale helhedsplan, Gellerup",
        site=site,
    )
    for visitors, age_band, referred in ((3, "under_30", "no"), (2, "30_49", "yes"), (4, "", ""), (1, "50_plus", "no")):
        actions.record_drop_in(
            acting_user=coordinator, event=hours, visitors=visitors, age_band=age_band, referred=referred
        )
    actions.record_named_visit(
        acting_user=coordinator,
        event=hours,
        name="Amina (ønsker at blive ringet op)",
        phone="20 30 40 50",
        consent_given=True,
    )
    event(
        EventKind.OPEN_COUNSELLING,
        "Åben rådgivning i Gellerup",
        4,
        13,
        3,
        "Den boligsociale helhedsplan, Gellerup",
        site=site,
    )
    return created
