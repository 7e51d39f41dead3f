"""Incremental sync: `changed_since=<ISO datetime>` keeps the records changed at or after that time.

Every action writes a change-log row (audit.ChangeLog) in its own transaction, naming the record it wrote
(object_type, object_id) and the citizen whose case it belongs to (citizen_ref). A record has changed since a time
when a row for it is dated at or after that time; a citizen has changed when any row of their case has. The change
log is the one place every write goes through, so no app needs a column of its own for this."""

from django.db.models import BigIntegerField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions

from jobbro.audit.models import ChangeLog

PARAMETER = "changed_since"


def parse_changed_since(request):
    """The parameter as an aware datetime (a time without an offset is Danish local time), None when not given."""
    raw = request.query_params.get(PARAMETER)
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        value = None
    if value is None or not 1970 <= value.year <= 9000:
        raise exceptions.ValidationError({PARAMETER: [_("Give a date and time as in 2026-11-22T08:00:00+01:00.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def changed_records(queryset, object_type, since):
    """The records of the queryset with a change-log row of `object_type` dated at or after `since`."""
    ids = (
        ChangeLog.objects.filter(at__gte=since, object_type=object_type)
        .annotate(record_id=Cast("object_id", BigIntegerField()))
        .values("record_id")
    )
    return queryset.filter(pk__in=ids)


def changed_citizens(queryset, since):
    """The citizens with any change-log row of their case dated at or after `since`."""
    return queryset.filter(
        pk__in=ChangeLog.objects.filter(at__gte=since, citizen_ref__isnull=False).values("citizen_ref")
    )
