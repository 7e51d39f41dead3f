from django.urls import path

from jobbro.companies import views

COMPANY = "companies/<int:pk>/"

urlpatterns = [
    path("companies/new/", views.company_new, name="company_new"),
    path(COMPANY, views.company_detail, name="company_detail"),
    path(COMPANY + "edit/", views.company_edit, name="company_edit"),
    path(COMPANY + "contacts/new/", views.contact_new, name="company_contact_new"),
    path(COMPANY + "contacts/<int:contact_pk>/edit/", views.contact_edit, name="company_contact_edit"),
    path(COMPANY + "activities/new/", views.activity_new, name="company_activity_new"),
    path(COMPANY + "agreements/new/", views.agreement_new, name="company_agreement_new"),
    path(COMPANY + "agreements/<int:agreement_pk>/end/", views.agreement_end, name="company_agreement_end"),
    path(COMPANY + "openings/new/", views.opening_new, name="company_opening_new"),
    path(COMPANY + "openings/<int:opening_pk>/close/", views.opening_close, name="company_opening_close"),
    path("openings/export.xlsx", views.board_xlsx, name="opening_board_xlsx"),
    path("openings/export.pdf", views.board_pdf, name="opening_board_pdf"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/citizens/", views.course_citizen_matches, name="course_citizen_matches"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("institutions/new/", views.institution_new, name="institution_new"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
]
