from django.urls import path

from jobbro.surveys import views

ONE = "questionnaires/<int:pk>/"
QUESTION = ONE + "questions/<int:question_pk>/"

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", views.questionnaire_new, name="questionnaire_new"),
    path(ONE, views.questionnaire_detail, name="questionnaire_detail"),
    path(ONE + "edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path(ONE + "questions/", views.questionnaire_question_new, name="questionnaire_question_new"),
    # Moving before removing: the URL matrix posts them in this order to the same question.
    path(QUESTION + "move/", views.questionnaire_question_move, name="questionnaire_question_move"),
    path(QUESTION + "remove/", views.questionnaire_question_remove, name="questionnaire_question_remove"),
    path(ONE + "preview/", views.questionnaire_preview, name="questionnaire_preview"),
    path(ONE + "open/", views.questionnaire_open, name="questionnaire_open"),
    path(ONE + "close/", views.questionnaire_close, name="questionnaire_close"),
    path(ONE + "send/", views.questionnaire_send, name="questionnaire_send"),
    path(ONE + "links.xlsx", views.questionnaire_links_xlsx, name="questionnaire_links_xlsx"),
    path(ONE + "results/", views.questionnaire_results, name="questionnaire_results"),
    path(ONE + "results.xlsx", views.questionnaire_results_xlsx, name="questionnaire_results_xlsx"),
    # The answer page at a link: no sign-in (Danish address: /spoergeskema/<token>/).
    path("spoergeskema/tak/", views.survey_thanks, name="survey_thanks"),
    path("spoergeskema/<slug:token>/", views.survey_answer, name="survey_answer"),
]
