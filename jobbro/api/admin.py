from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from jobbro.api import actions
from jobbro.api.models import Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """Integrations are created on their own page (the token is shown there once); here they are read and revoked."""

    list_display = ("name", "user", "scopes", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the chosen integrations"))
    def revoke(self, request, queryset):
        for integration in queryset:
            actions.revoke_integration(acting_user=request.user, integration=integration)
        messages.success(request, _("The chosen integrations are revoked."))
