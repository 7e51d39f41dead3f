"""The hours page (a week of hours for the whole caseload), the job broker's Today page and the benefits office's
monthly list of hours and wages; the funder's participant forms."""

from django.urls import path

from jobbro.cases import funder_views, timesheets, today, wage_list_views

urlpatterns = [
    path("today/", today.today_page, name="today"),
    path("hours/", timesheets.week_hours, name="week_hours"),
    path(
        "hours/<str:week>/citizens/<int:citizen_pk>/placements/<int:placement_pk>/",
        timesheets.week_hours_row,
        name="week_hours_row",
    ),
    path("wages/list/", wage_list_views.wage_list_page, name="wage_list"),
    path("wages/list/send/", wage_list_views.wage_list_send, name="wage_list_send"),
    path("wages/list/xlsx/", wage_list_views.wage_list_xlsx, name="wage_list_xlsx"),
    path("wages/list/csv/", wage_list_views.wage_list_csv, name="wage_list_csv"),
    path("funders/participant-forms/", funder_views.funder_forms, name="funder_forms"),
    path("funders/participant-forms/xlsx/", funder_views.funder_forms_xlsx, name="funder_forms_xlsx"),
    path("funders/participant-forms/csv/", funder_views.funder_forms_csv, name="funder_forms_csv"),
]
