from django.urls import path

from jobbro.netgain import views

CASE = "citizens/<int:citizen_pk>/enrolments/<int:enrolment_pk>/net-gain/"
KEPT = "citizens/<int:citizen_pk>/net-gain/<int:pk>/"

urlpatterns = [
    path(CASE, views.netgain_new, name="netgain_new"),
    path(CASE + "months/", views.netgain_months, name="netgain_months"),
    path(KEPT, views.netgain_result, name="netgain_result"),
    path(KEPT + "print/", views.netgain_print, name="netgain_print"),
]
