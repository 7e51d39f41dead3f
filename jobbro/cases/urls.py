from django.urls import path

from jobbro.cases import views

ENROLMENT = "citizens/<int:citizen_pk>/enrolments/<int:enrolment_pk>/"

urlpatterns = [
    path("referrals/new/", views.referral_new, name="referral_new"),
    path(ENROLMENT + "step/", views.enrolment_step, name="enrolment_step"),
    path(ENROLMENT + "upskilling/", views.enrolment_upskilling, name="enrolment_upskilling"),
    path(ENROLMENT + "end/", views.enrolment_end, name="enrolment_end"),
    path(ENROLMENT + "follow-up/", views.enrolment_follow_up, name="enrolment_follow_up"),
]
