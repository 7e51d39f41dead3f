from django.contrib import admin

from jobbro.audit.log import log_read, log_reads
from jobbro.audit.models import AccessLog, ChangeLog


class ReadLoggedAdmin(admin.ModelAdmin):
    """Administration pages of records about a citizen log each read, like the app's own pages.

    `citizen_lookup` is the path from the model to its citizen ("pk" on the citizen itself,
    "enrolment__citizen" on a placement). A list logs a read of every citizen on the page shown; a record's
    change, history and delete pages log a read of its citizen, with the status the page got.
    """

    citizen_lookup = "citizen"

    def logged_view_name(self, page, object_id=None):
        name = f"admin:{self.model._meta.label_lower}:{page}"
        return name if object_id is None else f"{name}:{object_id}"[:100]

    def citizen_pks(self, object_pks):
        rows = self.model._default_manager.filter(pk__in=object_pks).values_list(self.citizen_lookup, flat=True)
        return list(rows)

    def log_object_read(self, request, object_id, page, response):
        if self.citizen_lookup == "pk":
            citizen_pk = int(object_id) if str(object_id).isdigit() else None
        else:
            found = self.citizen_pks([object_id]) if str(object_id).isdigit() else []
            citizen_pk = found[0] if found else None
        if citizen_pk is not None:  # a record that does not exist names no citizen
            log_read(
                user=request.user,
                citizen_pk=citizen_pk,
                view=self.logged_view_name(page, object_id),
                status_code=response.status_code,
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        change_list = (getattr(response, "context_data", None) or {}).get("cl")
        if change_list is not None:
            shown = [obj.pk for obj in change_list.result_list]
            log_reads(
                user=request.user,
                citizen_pks=self.citizen_pks(shown),
                view=self.logged_view_name("list"),
                status_code=response.status_code,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self.log_object_read(request, object_id, "change", response)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return self.log_object_read(request, object_id, "history", response)

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        return self.log_object_read(request, object_id, "delete", response)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail can be read by administrators but never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "citizen_ref", "action", "view", "status_code")
    list_filter = ("action", "status_code")


@admin.register(ChangeLog)
class ChangeLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "citizen_ref", "action", "object_type", "object_id")
    list_filter = ("action",)
