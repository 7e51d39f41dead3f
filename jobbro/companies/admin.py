from django.contrib import admin

from jobbro.companies.models import Company, CompanyContact, Course, KnowledgeInstitution, NetworkAgreement, Opening


class ContactInline(admin.TabularInline):
    model = CompanyContact
    extra = 0


class AgreementInline(admin.TabularInline):
    model = NetworkAgreement
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "cvr", "kind", "industry_code", "city")
    list_filter = ("kind",)
    search_fields = ("name", "cvr", "city")
    inlines = [AgreementInline, ContactInline]


@admin.register(Opening)
class OpeningAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "weekly_hours", "status", "posted_on")
    list_filter = ("status", "programme")
    search_fields = ("title", "tasks", "company__name")
    raw_id_fields = ("company", "buddy")


class CourseInline(admin.TabularInline):
    model = Course
    extra = 0


@admin.register(KnowledgeInstitution)
class KnowledgeInstitutionAdmin(admin.ModelAdmin):
    inlines = [CourseInline]
