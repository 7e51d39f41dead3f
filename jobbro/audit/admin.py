from django.contrib import admin

from jobbro.audit.models import AccessLog, ChangeLog


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
