"""Pages for job plans and packages, placements, agreed hours and contacts."""


def placement_context(request, citizen, enrolments):
    """What the citizen page shows of plans, placements and contacts (templates/cases/includes/citizen_case.html)."""
    return {}
