"""Step 1 pages on the citizen: job goals, CV, competence card, restrictions, parallel efforts."""

from django.db.models import Q
from django.utils import timezone


def step1_context(request, citizen):
    """What the citizen page shows of step 1 (templates/people/includes/citizen_step1.html)."""
    today = timezone.localdate()
    return {
        "job_goals": citizen.job_goals.filter(replaced_on__isnull=True),
        "restrictions": citizen.restrictions.filter(ended_on__isnull=True),
        "efforts": citizen.parallel_efforts.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)),
    }
