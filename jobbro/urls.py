from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jobbro.accounts import views as account_views
from jobbro.web import health

urlpatterns = [
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("", include("jobbro.accounts.urls")),
    path("", include("jobbro.web.urls")),
    path("", include("jobbro.people.urls")),
    path("", include("jobbro.cases.urls")),
    path("", include("jobbro.cases.urls_placements")),
    path("", include("jobbro.cases.urls_week")),
    path("", include("jobbro.netgain.urls")),
    path("", include("jobbro.surveys.urls")),
    path("", include("jobbro.companies.urls")),
    path("", include("jobbro.matching.urls")),
    path("", include("jobbro.outreach.urls")),
    path("", include("jobbro.meetings.urls")),
    path("", include("jobbro.imports.urls")),
    path("", include("jobbro.exchange.urls")),
    path("", include("jobbro.effect.urls_report")),  # before the reports' "reports/<slug>/"
    path("", include("jobbro.effect.urls_register")),
    path("", include("jobbro.reporting.urls")),
    path("", include("jobbro.portal.urls")),
    path("", include("jobbro.privacy.urls")),
    path("", include("jobbro.messaging.urls_public")),
    path("", include("jobbro.api.urls_pages")),
    path("api/", include("jobbro.api.urls")),
]
