import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    """Run queued imports at once, in the test's transaction (a worker process would not see it; test_worker.py runs
    a real one), and keep the data directory in a scratch folder."""
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path
