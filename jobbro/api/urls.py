"""The JSON API under /api/ (docs/api.md): the operations under /api/v1/, the OpenAPI schema and a page listing it.

Token only (api/authentication.py), never a session; the URL × role matrix of the pages leaves this namespace out and
the API's own tests check it."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from jobbro.api import docs_views, views

app_name = "api"

router = SimpleRouter()
router.register("citizens", views.CitizenViewSet, basename="citizen")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("timesheets", views.TimesheetViewSet, basename="timesheet")
router.register("companies", views.CompanyViewSet, basename="company")
router.register("openings", views.OpeningViewSet, basename="opening")
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", docs_views.SchemaView.as_view(), name="schema"),
    path("docs/", docs_views.docs, name="docs"),
]
