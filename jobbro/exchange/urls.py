from django.urls import path

from jobbro.exchange import views

urlpatterns = [
    path("citizens/<int:citizen_pk>/cv/jobnet.json", views.cv_json, name="exchange_cv_json"),
    path("exchange/case-system/", views.case_system, name="exchange_case_system"),
    path("exchange/case-system.xlsx", views.case_system_xlsx, name="exchange_case_system_xlsx"),
    path("exchange/case-system.csv", views.case_system_csv, name="exchange_case_system_csv"),
]
