import pytest
from django.utils import translation


@pytest.fixture
def in_english():
    """The report tests read labels in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield
