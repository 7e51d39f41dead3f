from django.urls import path

from jobbro.api import integration_views

urlpatterns = [
    path("integrations/", integration_views.integration_list, name="integration_list"),
    path("integrations/<int:pk>/revoke/", integration_views.integration_revoke, name="integration_revoke"),
]
