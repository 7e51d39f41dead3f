from django.urls import path  # noqa: F401

from jobbro.cases import placement_views  # noqa: F401

urlpatterns = []
