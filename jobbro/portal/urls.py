from django.urls import path

from jobbro.portal import views

# The token is part of the path: jobbro/logfilters.py cuts it from every log line (the "link/" prefix below).
LINK = "link/<str:token>/"

urlpatterns = [
    path(LINK, views.portal, name="portal"),
    path(LINK + "hours/", views.portal_hours, name="portal_hours"),
    path(LINK + "small-job/", views.portal_small_job, name="portal_small_job"),
    path("citizens/<int:citizen_pk>/links/", views.citizen_portal_links, name="citizen_portal_links"),
    path(
        "citizens/<int:citizen_pk>/company-hours/accept/",
        views.citizen_accept_company_hours,
        name="citizen_accept_company_hours",
    ),
    path("companies/<int:pk>/links/", views.company_portal_links, name="company_portal_links"),
    path("openings/proposed/", views.portal_proposed_openings, name="portal_proposed_openings"),
]
