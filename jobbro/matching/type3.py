"""Type-3 support: the citizens no match has reached, to be brought to the whole network.

A citizen counts as unmatched when the enrolment is active and in step 2, has no running placement and no
open match proposal, and has been waiting more than the programme's `unmatched_weeks` (thresholds.py):
waiting since the later of the last placement's end and the start of the current stay in step 2.
The list is one query, whatever the number of citizens or programmes; the page of it (`unmatched_page`) is two:
the ordered ids of all that match the filters (their number is the count), then the rows of one page.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, DateField, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

from jobbro.accounts import access, thresholds
from jobbro.cases.models import Enrolment, Placement, Step, StepChange
from jobbro.days import today
from jobbro.matching.models import MatchProposal, MatchStatus


@dataclass(frozen=True)
class Unmatched:
    enrolment: Enrolment
    waiting_since: datetime.date
    weeks: int
    declined: int


def cutoffs(programmes, on):
    """Per programme pk: a citizen waiting since before this date has waited more than the programme's weeks."""
    return {
        programme.pk: on - datetime.timedelta(weeks=thresholds.for_programme(programme).unmatched_weeks)
        for programme in programmes
    }


def _limits(user, on, programme):
    programmes = access.visible_programmes(user)
    if programme is not None:
        programmes = programmes.filter(pk=programme.pk)
    return cutoffs(programmes, on)


def _waiting(user, on, limits):
    """Active enrolments in step 2 of the programmes in `limits`, in the user's scope, with no running placement and
    no open proposal, annotated with `waiting_since` (however long they have waited)."""
    step_2_since = Subquery(
        StepChange.objects.filter(enrolment=OuterRef("pk"), step=Step.TOWARDS_JOB, changed_on__lte=on)
        .order_by("-changed_on", "-id")
        .values("changed_on")[:1],
        output_field=DateField(),
    )
    last_end = Subquery(
        Placement.objects.filter(enrolment=OuterRef("pk"), ended_on__isnull=False, ended_on__lte=on)
        .order_by("-ended_on")
        .values("ended_on")[:1],
        output_field=DateField(),
    )
    running = Placement.objects.running_or_planned_on(on).filter(enrolment=OuterRef("pk"))
    open_proposal = MatchProposal.objects.open().filter(enrolment=OuterRef("pk"))
    queryset = (
        Enrolment.objects.active_on(on)
        .in_programme_effort()  # a lottery's control group is never matched
        .filter(current_step=Step.TOWARDS_JOB, programme_id__in=list(limits))
        .annotate(
            waiting_since=Greatest(
                Coalesce(step_2_since, F("referred_on")), Coalesce(last_end, F("referred_on")), output_field=DateField()
            )
        )
        .filter(~Exists(running), ~Exists(open_proposal))
    )
    return access.scope_enrolments(queryset, user)


def unmatched_enrolments(user, *, on=None, programme=None):
    """The queryset of unmatched enrolments the user may see, annotated with `waiting_since` and `declined`."""
    on = on or today()
    limits = _limits(user, on, programme)
    if not limits:
        return Enrolment.objects.none()
    declined = (
        MatchProposal.objects.filter(enrolment=OuterRef("pk"), status=MatchStatus.DECLINED)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waited_long_enough = Q(pk__in=[])
    for programme_pk, cutoff in limits.items():
        waited_long_enough |= Q(programme_id=programme_pk, waiting_since__lt=cutoff)
    return (
        _waiting(user, on, limits)
        .annotate(declined=Coalesce(Subquery(declined, output_field=IntegerField()), 0))
        .filter(waited_long_enough)
        .select_related("citizen", "programme", "site", "job_broker")
        .order_by("waiting_since", "id")
    )


def unmatched_ids(user, *, on=None, programme=None, site=None):
    """The ids of `unmatched_enrolments` (at one site, if given), in its order: longest waiting first.

    Each enrolment's waiting time is computed once, in the select list; the programme's limit and the order are
    applied here (in SQL the database would compute it again for the WHERE and the ORDER BY clauses)."""
    on = on or today()
    limits = _limits(user, on, programme)
    if not limits:
        return []
    queryset = _waiting(user, on, limits)
    if site is not None:
        queryset = queryset.filter(site=site)
    rows = queryset.order_by().values_list("pk", "programme_id", "waiting_since")
    return [pk for since, pk in sorted((since, pk) for pk, prog, since in rows if since < limits[prog])]


def unmatched(user, *, on=None, programme=None):
    """The unmatched list as rows, longest waiting first."""
    on = on or today()
    return [
        Unmatched(
            enrolment=e, waiting_since=e.waiting_since, weeks=(on - e.waiting_since).days // 7, declined=e.declined
        )
        for e in unmatched_enrolments(user, on=on, programme=programme)
    ]


def unmatched_page(user, *, on=None, programme=None, site=None, page=None, per_page=50):
    """One page of the unmatched list (a django Page of `Unmatched` rows), longest waiting first.

    The ids of everyone matching come first, in order, in one query that reads no more than the ids; the rows, with
    their citizen, site and job broker, are then fetched for the page only."""
    on = on or today()
    ids = unmatched_ids(user, on=on, programme=programme, site=site)
    shown = Paginator(ids, per_page).get_page(page)
    wanted = list(shown.object_list)
    found = {e.pk: e for e in unmatched_enrolments(user, on=on, programme=programme).filter(pk__in=wanted)}
    shown.object_list = [
        Unmatched(
            enrolment=e, waiting_since=e.waiting_since, weeks=(on - e.waiting_since).days // 7, declined=e.declined
        )
        for e in (found[pk] for pk in wanted if pk in found)
    ]
    return shown
