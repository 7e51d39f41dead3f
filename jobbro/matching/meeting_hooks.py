"""The match workflow follows the meetings booked with time and place (jobbro/meetings): a match meeting or coffee
visit booked for a match books the match with the meeting's date, and moving it to another day books it again.

Registered in meetings.actions.FOLLOWERS at start-up (apps.py): the meetings app may not import the match workflow
(which imports the reports, which count the meetings), so the workflow that depends on meetings listens to them.
"""

from django.utils import timezone

from jobbro.matching import actions
from jobbro.matching.models import MatchStatus


def follow(what, meeting, acting_user):
    if not meeting.match_id:
        return
    proposal = meeting.match
    day = timezone.localdate(meeting.starts_at)
    if what == "scheduled" or (
        what == "moved" and proposal.status == MatchStatus.MEETING_BOOKED and proposal.meeting_on != day
    ):
        actions.book_meeting(acting_user=acting_user, proposal=proposal, kind=meeting.kind, meeting_on=day)


def connect():
    from jobbro.meetings import actions as meeting_actions

    if follow not in meeting_actions.FOLLOWERS:
        meeting_actions.FOLLOWERS.append(follow)
