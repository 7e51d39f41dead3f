import datetime

import pytest

from jobbro.people import actions

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    """Run queued imports at once, in the test's transaction, and keep the data directory in a scratch folder."""
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path


@pytest.fixture
def written_cv(alices_citizen, alice):
    """Mette's CV through the page's actions: a line of every kind, a job goal, the competence card, a restriction."""
    citizen = alices_citizen
    lines = [
        ("work", "Køkkenmedhjælper", "Restaurant Mols", datetime.date(2019, 5, 1), datetime.date(2020, 6, 30)),
        ("work", "Opvasker", "", datetime.date(2021, 1, 4), None),
        ("internship", "Praktikant", "Café Havnen", datetime.date(2024, 2, 5), datetime.date(2024, 3, 1)),
        ("education", "Grundforløb 1", "Aarhus Tech", datetime.date(2015, 8, 1), datetime.date(2016, 1, 31)),
        ("course", "Hygiejnebevis", "AMU", datetime.date(2023, 4, 3), datetime.date(2023, 4, 4)),
        ("language", "Dansk", "", None, None),
        ("skill", "Kørekort B", "", None, None),
        ("volunteer", "Frivillig i café", "Kirkens Korshær", datetime.date(2022, 1, 1), None),
    ]
    for kind, title, place, starts_on, ends_on in lines:
        actions.add_cv_entry(
            acting_user=alice,
            citizen=citizen,
            kind=kind,
            title=title,
            organisation=place,
            starts_on=starts_on,
            ends_on=ends_on,
            description="Skrevet sammen med borgeren.",
            recorded_on=datetime.date(2025, 3, 10),
        )
    actions.set_job_goal(
        acting_user=alice,
        citizen=citizen,
        text="Jeg vil lave mad",
        set_on=datetime.date(2025, 3, 10),
        occupation_code="9412",
    )
    actions.assess_competence(
        acting_user=alice,
        citizen=citizen,
        area="professional",
        level=3,
        assessed_on=datetime.date(2025, 3, 11),
        comment="Har svært ved tunge løft efter operation",
    )
    actions.add_restriction(
        acting_user=alice, citizen=citizen, tag="other", recorded_on=datetime.date(2025, 3, 10), description="Angst"
    )
    return citizen
