"""The iCalendar invitation of a meeting (RFC 5545 / iTIP), built with the `icalendar` library.

One VEVENT with the meeting's stable UID and its SEQUENCE, the times in Europe/Copenhagen with the VTIMEZONE that
defines them, the organizer (the staff member who booked it, or the no-reply address) and every participant with an
e-mail address as an ATTENDEE. METHOD:REQUEST for a new or moved meeting, METHOD:CANCEL for a cancelled one.

What it says is the same for every participant and holds nothing a company may not read: the kind of meeting, the
citizen's first name at most, the company's name, the place and the time. The internal note, the case and anything
else about the citizen never go into it.
"""

import datetime
import zoneinfo

import icalendar
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
REQUEST, CANCEL = "REQUEST", "CANCEL"


def danish_time(value):
    """22.11.2026 kl. 10.00, in Copenhagen's time."""
    local = timezone.localtime(value, COPENHAGEN)
    return f"{local:%d.%m.%Y} kl. {local:%H.%M}"


def summary(meeting):
    """The title: the kind, the citizen's first name, the company's name (Danish)."""
    with translation.override("da"):
        parts = [str(meeting.get_kind_display())]
        if meeting.enrolment_id:
            parts.append(_("with %(name)s") % {"name": meeting.enrolment.citizen.first_name})
        if meeting.company_id:
            parts.append(_("at %(company)s") % {"company": meeting.company.name})
        return " ".join(parts)


def location(meeting):
    return meeting.place


def description(meeting, *, method=REQUEST):
    """The text of the invitation: what, when, where (Danish). No note, nothing from the case."""
    with translation.override("da"):
        local_end = timezone.localtime(meeting.ends_at, COPENHAGEN)
        lines = []
        if method == CANCEL:
            lines.append(_("The meeting is cancelled."))
        lines += [
            summary(meeting),
            _("Time: %(start)s–%(end)s") % {"start": danish_time(meeting.starts_at), "end": f"{local_end:%H.%M}"},
            _("Place: %(place)s") % {"place": location(meeting)},
        ]
        return "\n".join(lines)


def organizer_address(meeting):
    return meeting.organizer.email or settings.DEFAULT_FROM_EMAIL


def invitation(meeting, participants, *, method=REQUEST, stamp=None, recipient=None):
    """The invitation as bytes (text/calendar) for one recipient.

    The citizen is an ATTENDEE only in their own copy: the company's and the staff's copies never carry the
    citizen's e-mail address."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//jobbro//meetings//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp or datetime.datetime.now(datetime.UTC))
    event.add("dtstart", timezone.localtime(meeting.starts_at, COPENHAGEN))
    event.add("dtend", timezone.localtime(meeting.ends_at, COPENHAGEN))
    event.add("summary", summary(meeting))
    event.add("location", location(meeting))
    event.add("description", description(meeting, method=method))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{organizer_address(meeting)}")
    organizer.params["cn"] = icalendar.vText(meeting.organizer.get_full_name() or "Jobcenter")
    event.add("organizer", organizer)
    for participant in participants:
        if not participant.email:
            continue
        if participant.role == "citizen" and participant != recipient:
            continue
        attendee = icalendar.vCalAddress(f"mailto:{participant.email}")
        attendee.params["cn"] = icalendar.vText(_attendee_name(participant))
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(participant.response.upper().replace("_", "-"))
        attendee.params["rsvp"] = icalendar.vText("TRUE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _attendee_name(participant):
    """A citizen is named by first name only: the company's calendar sees the attendee list."""
    if participant.role == "citizen":
        return participant.meeting.enrolment.citizen.first_name
    return participant.name
