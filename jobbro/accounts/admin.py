from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jobbro.accounts.models import Membership, Programme, ResultGoal, Site, TargetGroup, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((None, {"fields": ("role",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((None, {"fields": ("role", "first_name", "last_name")}),)
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    inlines = [MembershipInline]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class ResultGoalInline(admin.TabularInline):
    model = ResultGoal
    extra = 0
    fields = (
        "metric",
        "kind",
        "target",
        "deadline",
        "site",
        "target_group",
        "payment_criterion",
        "social_economic_target",
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A goal's site is one of the programme's: the list offers only those of the programme being edited.
        if db_field.name == "site":
            programme_pk = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Site.objects.filter(programme_id=programme_pk) if programme_pk else Site.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on")
    inlines = [SiteInline, ResultGoalInline]


admin.site.register(TargetGroup)
