"""Whatever happens in whatever order (queueing the same key again, the task run by several workers, sweeps, the mail
server going away and coming back, time passing, a worker stopping before or after handing a message over), each
dedupe key reaches the SMTP server at most once, and a message marked sent reached it exactly once."""

import collections
import datetime

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobbro.messaging import outbox, tasks
from jobbro.messaging.models import Message

KEYS = ["a", "b", "c"]
STEPS = st.one_of(
    st.tuples(st.just("queue"), st.sampled_from(KEYS)),
    st.tuples(st.just("execute"), st.sampled_from(KEYS)),
    st.tuples(st.just("stop_before_handing_over"), st.sampled_from(KEYS)),
    st.tuples(st.just("stop_after_handing_over"), st.sampled_from(KEYS)),
    st.tuples(st.sampled_from(["sweep", "server_down", "server_up", "time_passes"]), st.none()),
)
LONG_AGO = datetime.timedelta(hours=1)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEPS, max_size=14))
def test_any_sequence_sends_each_key_at_most_once(db, smtp_server, steps):
    Message.objects.all().delete()
    smtp_server.messages.clear()
    if smtp_server.controller is None:
        smtp_server.start()
    for step, key in steps:
        message = Message.objects.filter(dedupe_key=key).first() if key else None
        if step == "queue":
            outbox.queue(channel="email", to=f"{key}@example.dk", body="x", dedupe_key=key, purpose="test")
        elif step == "execute" and message:
            tasks.execute(message.pk)
        elif step == "sweep":
            tasks.sweep()
        elif step == "server_down" and smtp_server.controller is not None:
            smtp_server.stop()
        elif step == "server_up" and smtp_server.controller is None:
            smtp_server.start()
        elif step == "time_passes":
            Message.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=timezone.now())
            Message.objects.filter(state=Message.State.SENDING).update(claimed_at=timezone.now() - LONG_AGO)
        elif step == "stop_before_handing_over" and message and tasks.claim(message.pk):
            pass  # claimed, then the worker stopped: the sweep sends it again once it is stale
        elif step == "stop_after_handing_over" and message and tasks.claim(message.pk):
            Message.objects.filter(pk=message.pk).update(handed_over_at=timezone.now())
            try:
                tasks.deliver(message)
            except OSError:
                pass  # the server was away: it may or may not have gone out, as far as jobbro can tell
    delivered = collections.Counter(int(m["X-Jobbro-Message"]) for m in smtp_server.messages)
    assert all(count == 1 for count in delivered.values()), delivered
    for message in Message.objects.filter(state=Message.State.SENT):
        assert delivered[message.pk] == 1
