import pytest


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    """Run imports in the request (a thread would not see the test's transaction) and store uploads in a scratch dir."""
    settings.IMPORTS_IN_BACKGROUND = False
    settings.DATA_DIR = tmp_path
