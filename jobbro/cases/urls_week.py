"""The hours page (a week of hours for the whole caseload) and the job broker's Today page."""

from django.urls import path

from jobbro.cases import timesheets, today

urlpatterns = [
    path("today/", today.today_page, name="today"),
    path("hours/", timesheets.week_hours, name="week_hours"),
    path(
        "hours/<str:week>/citizens/<int:citizen_pk>/placements/<int:placement_pk>/",
        timesheets.week_hours_row,
        name="week_hours_row",
    ),
]
