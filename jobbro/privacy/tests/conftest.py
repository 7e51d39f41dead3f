import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_inline(settings):
    """Run queued exports at once, where they are enqueued (once the request's transaction commits); a worker process
    would not see the test's transaction."""
    settings.TASKS = IMMEDIATE
