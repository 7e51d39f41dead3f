"""/healthz for the load balancer and the operators: is the database there, and the task queue?

No login, no personal data, no read log: the answer is only which part works, as JSON.
"""

import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def task_result_model():
    """The table the database task backend queues in, or None when tasks run in the web process itself."""
    return next((model for model in apps.get_models() if model.__name__ == "DBTaskResult"), None)


def oldest_ready_task_age():
    """Seconds the oldest task that is due has waited for a worker (0 when none waits)."""
    model = task_result_model()
    if model is None:
        return 0
    enqueued_at = model.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return 0 if enqueued_at is None else round((timezone.now() - enqueued_at).total_seconds())


@login_not_required
@require_GET
def healthz(request):
    started = time.monotonic()
    status = {}
    # Each check in its own savepoint, so a failed one leaves the connection usable for the next.
    try:
        with transaction.atomic():
            check_database()
        status["database"] = "ok"
    except DatabaseError:
        status["database"] = "failed"
    try:
        with transaction.atomic():
            age = oldest_ready_task_age()
        status["queue"] = "ok"
        status["oldest_waiting_task_seconds"] = age
        # A queue nobody empties: optional, as a load balancer would otherwise take every web server out.
        limit = settings.HEALTH_QUEUE_MAX_WAIT_SECONDS
        if limit and age > limit:
            status["queue"] = "stalled"
    except DatabaseError:
        status["queue"] = "failed"
    status["milliseconds"] = round((time.monotonic() - started) * 1000)
    healthy = status["database"] == "ok" and status["queue"] == "ok"
    return JsonResponse(status, status=200 if healthy else 503)
