from django.urls import path

from jobbro.cases import progression_views, views

ENROLMENT = "citizens/<int:citizen_pk>/enrolments/<int:enrolment_pk>/"

urlpatterns = [
    path("referrals/new/", views.referral_new, name="referral_new"),
    path(ENROLMENT + "step/", views.enrolment_step, name="enrolment_step"),
    path(ENROLMENT + "start-form/", views.enrolment_start_form, name="enrolment_start_form"),
    path(ENROLMENT + "participant-form/", views.enrolment_participant_form, name="enrolment_participant_form"),
    path(ENROLMENT + "upskilling/", views.enrolment_upskilling, name="enrolment_upskilling"),
    path(ENROLMENT + "end/", views.enrolment_end, name="enrolment_end"),
    path(ENROLMENT + "follow-up/", views.enrolment_follow_up, name="enrolment_follow_up"),
    # The self-assessment: staff pages on the enrolment, then the tablet pages (no login; a short path to type).
    path(ENROLMENT + "self-assessment/", progression_views.self_assessment_invite, name="self_assessment_invite"),
    path(ENROLMENT + "self-assessment/paper/", progression_views.self_assessment_paper, name="self_assessment_paper"),
    path("vurdering/", progression_views.self_assessment_code, name="self_assessment_code"),
    path("vurdering/tak/", progression_views.self_assessment_thanks, name="self_assessment_thanks"),
    path("vurdering/<slug:token>/", progression_views.self_assessment, name="self_assessment"),
    path("vurdering/<slug:token>/start/", progression_views.self_assessment_handover, name="self_assessment_handover"),
]
