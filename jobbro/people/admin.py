from django.contrib import admin

from jobbro.audit.admin import ReadLoggedAdmin
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


@admin.register(Citizen)
class CitizenAdmin(ReadLoggedAdmin):
    """Administrators may correct a citizen's details; the CPR number is never shown here, and reads are logged."""

    list_display = ("last_name", "first_name", "birth_date", "traffic_light")
    list_filter = ("traffic_light", "benefit_type", "origin_group")
    search_fields = ("first_name", "last_name")
    exclude = ("cpr_encrypted", "cpr_hash")
    readonly_fields = ("masked_cpr", "birth_date", "sex")
    filter_horizontal = ("target_groups",)
    inlines = [inline(m) for m in (TrafficLightChange, Consent, JobGoal, Restriction, CVEntry, CompetenceAssessment, ParallelEffort)]
    citizen_lookup = "pk"
