from django.urls import path

from jobbro.web import pickers, views

urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("citizens/", views.citizen_list, name="citizen_list"),
    path("citizens/find-by-cpr/", views.find_by_cpr, name="find_by_cpr"),
    path("citizens/search/", views.citizen_search, name="citizen_search"),
    path("citizens/<int:citizen_pk>/", views.citizen_detail, name="citizen_detail"),
    path("citizens/<int:citizen_pk>/cpr/", views.citizen_reveal_cpr, name="citizen_reveal_cpr"),
    path("companies/", views.company_list, name="company_list"),
    path("openings/", views.opening_board, name="opening_board"),
    path("result-goals/", views.result_goals, name="result_goals"),
    path("pick/companies/", pickers.pick_companies, name="pick_companies"),
    path("pick/staff/", pickers.pick_staff, name="pick_staff"),
    path("pick/users/", pickers.pick_users, name="pick_users"),
]
