from django.contrib import admin

from jobbro.audit.admin import ReadLoggedAdmin
from jobbro.netgain.models import NetGainCalculation


@admin.register(NetGainCalculation)
class NetGainCalculationAdmin(ReadLoggedAdmin):
    """Kept calculations, read-only: the figures are a snapshot of what the citizen was shown."""

    citizen_lookup = "enrolment__citizen"
    list_display = ("enrolment", "kind", "benefit", "rate", "hourly_wage", "table_versions", "created_by", "created_at")
    list_filter = ("kind", "benefit")
    raw_id_fields = ("enrolment",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
