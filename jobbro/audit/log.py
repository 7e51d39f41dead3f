"""Writing the audit trail: reads of a citizen's record and changes made through actions."""

import functools

from jobbro.audit.models import AccessLog, Action, ChangeLog


def log_read(*, user, citizen_pk, view, status_code, action=AccessLog.Action.READ):
    # The citizen model is the one the log's foreign key names (people.Citizen, a layer above: not imported).
    citizens = AccessLog._meta.get_field("citizen").related_model.objects
    exists = citizens.filter(pk=citizen_pk).exists()
    AccessLog.objects.create(
        user=user if user.is_authenticated else None,
        citizen_id=citizen_pk if exists else None,
        citizen_ref=citizen_pk,
        action=action,
        view=view,
        status_code=status_code,
    )


def log_reads(*, user, citizen_pks, view, status_code):
    """One read row for each citizen shown together on a page (a list), written in one statement."""
    AccessLog.objects.bulk_create(
        AccessLog(
            user=user if user.is_authenticated else None,
            citizen_id=pk,
            citizen_ref=pk,
            action=AccessLog.Action.READ,
            view=view,
            status_code=status_code,
        )
        for pk in dict.fromkeys(citizen_pks)
        if pk is not None
    )


def logs_citizen_read(view_func):
    """Decorate a view taking `citizen_pk`: log who asked for which citizen and what they got (even a 404)."""

    @functools.wraps(view_func)
    def wrapper(request, *args, citizen_pk, **kwargs):
        from django.http import Http404

        try:
            response = view_func(request, *args, citizen_pk=citizen_pk, **kwargs)
        except Http404:
            log_read(user=request.user, citizen_pk=citizen_pk, view=view_func.__name__, status_code=404)
            raise
        log_read(user=request.user, citizen_pk=citizen_pk, view=view_func.__name__, status_code=response.status_code)
        return response

    return wrapper


def log_change(*, user, action, obj, citizen_pk=None, changes=None):
    """One change-log row; `action` is an audit.models.Action (an unknown action is a programming error: ValueError)."""
    action = Action(action)
    ChangeLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        citizen_ref=citizen_pk,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        changes=changes or {},
    )
