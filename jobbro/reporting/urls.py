from django.urls import path

from jobbro.reporting import views

urlpatterns = [
    path("reports/", views.index, name="reports"),
    path("reports/data-quality/", views.data_quality, name="data_quality"),
    path("reports/<slug:slug>/", views.report_page, name="report"),
    path("reports/<slug:slug>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("reports/<slug:slug>/pdf/", views.report_pdf, name="report_pdf"),
]
