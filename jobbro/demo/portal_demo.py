"""Links without an account for the demo (jobbro/portal): one for a buddy with placements running and last week's hours
registered, one for a citizen in a company, both issued by the demo's job broker through the real action.

A link's token is shown only when it is issued, so `load_demo` issues a fresh pair each time it runs and prints them
at the end of its output; they open on the demo server at settings.SITE_URL (http://127.0.0.1:8000 by default).
"""

import datetime

from jobbro.accounts.models import User
from jobbro.cases.models import Enrolment, Placement
from jobbro.companies.models import CompanyContact
from jobbro.days import today as local_today
from jobbro.portal import links
from jobbro.portal.models import Audience

ISSUER = "jobformidler"  # the demo's job broker (demo/generator.py CORE_STAFF)


def add_portal_demo(programme, today=None):
    """Issue the two links; returns [(who, url)] (empty when the demo has no such buddy or citizen)."""
    today = today or local_today()
    issuer = User.objects.filter(username=ISSUER).first()
    if issuer is None or programme is None:
        return []
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    running = Placement.objects.running_on(today).filter(enrolment__programme=programme)
    issued = []
    buddy = _buddy_with_hours(programme, running, last_monday)
    if buddy is not None:
        _link, url = links.issue(acting_user=issuer, audience=Audience.BUDDY, target=buddy)
        issued.append((f"{buddy.name} ({buddy.company.name})", url))
    enrolment = (
        Enrolment.objects.caseload_of(issuer)
        .filter(programme=programme, ended_on__isnull=True, placements__in=running)
        .select_related("citizen")
        .order_by("pk")
        .first()
    )
    if enrolment is not None:
        _link, url = links.issue(acting_user=issuer, audience=Audience.CITIZEN, target=enrolment.citizen)
        issued.append((enrolment.citizen.first_name, url))
    return issued


def _buddy_with_hours(programme, running, last_monday):
    """The buddy of the most running placements with last week's hours registered (the first such, by id)."""
    counts = {}
    for buddy_id in running.filter(buddy__isnull=False, timesheets__week_start=last_monday).values_list(
        "buddy_id", flat=True
    ):
        counts[buddy_id] = counts.get(buddy_id, 0) + 1
    if not counts:
        return None
    best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
    return CompanyContact.objects.select_related("company").get(pk=best)
