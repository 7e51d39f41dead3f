from django.urls import path

from jobbro.messaging import views

urlpatterns = [
    path("beskeder/afmeld/<str:token>/", views.unsubscribe, name="message_unsubscribe"),
]
