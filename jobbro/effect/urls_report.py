from django.urls import path

from jobbro.effect import report_views

# Before jobbro.reporting.urls in jobbro/urls.py: "reports/<slug>/" would take "effect" for a report's slug.
urlpatterns = [
    path("reports/effect/", report_views.effect_page, name="effect_report"),
    path("reports/effect/state/", report_views.effect_run_state, name="effect_report_state"),
    path("reports/effect/xlsx/", report_views.effect_xlsx, name="effect_report_xlsx"),
    path("reports/effect/pdf/", report_views.effect_pdf, name="effect_report_pdf"),
]
