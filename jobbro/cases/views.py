"""Case pages: referral, steps, job plans, placements, contacts, exit."""

from jobbro.cases.models import Placement


def case_context(request, citizen, enrolments):
    """What the citizen page shows of the case (templates/cases/includes/citizen_case.html)."""
    return {
        "placements": Placement.objects.filter(enrolment__in=enrolments).select_related("company", "buddy"),
    }
