from django.urls import path

from jobbro.accounts import views

urlpatterns = [
    path("konto/sikkerhed/", views.account_security, name="account_security"),
    path("konto/to-trin/", views.two_factor_verify, name="two_factor_verify"),
    path("konto/to-trin/opsaet/", views.two_factor_setup, name="two_factor_setup"),
    path("konto/to-trin/slaa-fra/", views.two_factor_turn_off, name="two_factor_turn_off"),
]
