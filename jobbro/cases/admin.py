from django.contrib import admin

from jobbro.audit.admin import ReadLoggedAdmin
from jobbro.cases.models import (
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    JobPlan,
    Milestone,
    Outcome,
    Placement,
    ProgressionAssessment,
    StepChange,
    Timesheet,
    UpskillingDecision,
    UpskillingEnrolment,
)


def inline(model_class, **extra):
    attrs = {"model": model_class, "extra": 0, **extra}
    return type(f"{model_class.__name__}Inline", (admin.TabularInline,), attrs)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadLoggedAdmin):
    list_display = ("citizen", "programme", "site", "current_step", "job_broker", "referred_on", "ended_on")
    list_filter = ("programme", "site", "current_step")
    # No name search: the admin searches by GET, which would put a citizen's name in the URL and the access log.
    raw_id_fields = ("citizen",)
    inlines = [
        inline(StepChange),
        inline(AssignmentChange),
        inline(UpskillingDecision),
        inline(UpskillingEnrolment),
        inline(ProgressionAssessment),
        inline(Outcome),
    ]


@admin.register(Placement)
class PlacementAdmin(ReadLoggedAdmin):
    citizen_lookup = "enrolment__citizen"
    list_display = ("enrolment", "company", "kind", "starts_on", "ended_on")
    list_filter = ("kind",)
    raw_id_fields = ("enrolment", "company", "opening", "buddy")
    inlines = [inline(AgreedHoursChange), inline(Timesheet)]


@admin.register(JobPlan)
class JobPlanAdmin(ReadLoggedAdmin):
    citizen_lookup = "enrolment__citizen"
    list_display = ("title", "enrolment", "is_job_package", "created_on")
    raw_id_fields = ("enrolment",)
    inlines = [inline(Milestone)]


@admin.register(Contact)
class ContactAdmin(ReadLoggedAdmin):
    citizen_lookup = "enrolment__citizen"
    list_display = ("enrolment", "kind", "occurred_on")
    list_filter = ("kind",)
    raw_id_fields = ("enrolment", "company")
