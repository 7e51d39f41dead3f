from django.urls import path  # noqa: F401

from jobbro.people import views  # noqa: F401

urlpatterns = []
