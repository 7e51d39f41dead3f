from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jobbro.audit.admin import ReadLoggedAdmin
from jobbro.days import today
from jobbro.people import cpr
from jobbro.people.models import (
    Citizen,
    CompetenceAssessment,
    Consent,
    CVEntry,
    JobGoal,
    ParallelEffort,
    Restriction,
    TrafficLightChange,
)


def inline(model_class):
    return type(f"{model_class.__name__}Inline", (admin.TabularInline,), {"model": model_class, "extra": 0})


class ConsentInline(admin.TabularInline):
    """Consents are history, recorded through people.actions (give_consent, withdraw_consent): shown, never edited."""

    model = Consent
    extra = 0
    fields = ("kind", "given", "on", "manner", "reference", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Citizen)
class CitizenAdmin(ReadLoggedAdmin):
    """Administrators may correct a citizen's details; the CPR number is never shown here, and reads are logged."""

    # No search box: the admin searches by GET, which would put a citizen's name in the URL and the access log
    # (the citizen list's search is posted). The birth date is half the CPR number: the age is shown instead.
    list_display = ("last_name", "first_name", "age", "traffic_light")
    list_filter = ("traffic_light", "benefit_type", "origin_group")
    exclude = ("cpr_encrypted", "cpr_hash", "birth_date")
    readonly_fields = ("masked_cpr", "age", "sex")
    filter_horizontal = ("target_groups",)
    inlines = [ConsentInline] + [
        inline(m) for m in (TrafficLightChange, JobGoal, Restriction, CVEntry, CompetenceAssessment, ParallelEffort)
    ]
    citizen_lookup = "pk"

    def has_delete_permission(self, request, obj=None):
        # A citizen is never deleted here: the reports would lose their counts. The citizen's page erases the data
        # (Slet borgerens oplysninger), keeping the statistics, with a receipt (docs/privacy.md).
        return False

    @admin.display(description=_("age"))
    def age(self, citizen):
        return cpr.age(citizen.birth_date, today())
