"""The messaging app's addresses: the unsubscribe page needs no sign-in; the staff pages are in urls.py."""

from django.urls import include, path

from jobbro.messaging import views

urlpatterns = [
    path("messages/unsubscribe/<str:token>/", views.unsubscribe, name="message_unsubscribe"),
    path("", include("jobbro.messaging.urls")),
]
