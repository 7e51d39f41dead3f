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


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on")
    inlines = [SiteInline, ResultGoalInline]


admin.site.register(TargetGroup)
