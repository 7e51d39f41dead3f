from django.urls import path

from jobbro.matching import views

ENROLMENT = "citizens/<int:citizen_pk>/enrolments/<int:enrolment_pk>/"
PROPOSAL = "citizens/<int:citizen_pk>/match-proposals/<int:pk>/"

urlpatterns = [
    path(ENROLMENT + "matches/", views.citizen_matches, name="citizen_matches"),
    path(ENROLMENT + "matches/propose/", views.propose, name="match_propose"),
    path("openings/<int:pk>/matches/", views.opening_matches, name="opening_matches"),
    path("matching/assignment/", views.assignment, name="match_assignment"),
    path("matching/assignment/run/", views.assignment_run, name="match_assignment_run"),
    path("matching/assignment/progress/", views.assignment_progress, name="match_assignment_progress"),
    path("matching/proposals/", views.proposals, name="match_proposals"),
    path(PROPOSAL + "meeting/", views.proposal_meeting, name="match_proposal_meeting"),
    path(PROPOSAL + "agree/", views.proposal_agree, name="match_proposal_agree"),
    path(PROPOSAL + "decline/", views.proposal_decline, name="match_proposal_decline"),
    path("matching/unmatched/", views.unmatched, name="match_unmatched"),
    path("matching/speed-dating/", views.speed_dating, name="match_speed_dating"),
]
