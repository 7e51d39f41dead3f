from django.urls import path

from jobbro.cases import placement_views as views

ENROLMENT = "citizens/<int:citizen_pk>/enrolments/<int:enrolment_pk>/"
PLACEMENT = "citizens/<int:citizen_pk>/placements/<int:pk>/"

urlpatterns = [
    path(ENROLMENT + "plans/", views.job_plans, name="job_plans"),
    path(ENROLMENT + "plans/<int:plan_pk>/", views.job_plan, name="job_plan"),
    path(ENROLMENT + "plans/<int:plan_pk>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        ENROLMENT + "plans/<int:plan_pk>/milestones/<int:milestone_pk>/done/",
        views.milestone_complete,
        name="milestone_complete",
    ),
    path(ENROLMENT + "placements/new/", views.placement_start, name="placement_start"),
    path(ENROLMENT + "contacts/", views.contact_list, name="contact_list"),
    path(ENROLMENT + "contacts/new/", views.contact_log, name="contact_log"),
    path(PLACEMENT, views.placement_detail, name="placement_detail"),
    path(PLACEMENT + "hours/", views.placement_hours, name="placement_hours"),
    path(PLACEMENT + "end/", views.placement_end, name="placement_end"),
    path(PLACEMENT + "wage/", views.placement_wage, name="placement_wage"),
    path(PLACEMENT + "legal-basis/", views.placement_legal_basis, name="placement_legal_basis"),
]
