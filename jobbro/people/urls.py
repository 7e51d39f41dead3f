from django.urls import path

from jobbro.people import views

urlpatterns = [
    path("citizens/<int:citizen_pk>/job-goals/", views.job_goals, name="job_goals"),
    path("citizens/<int:citizen_pk>/job-goals/<int:goal_pk>/adjust/", views.job_goal_adjust, name="job_goal_adjust"),
    path("citizens/<int:citizen_pk>/job-goals/<int:goal_pk>/close/", views.job_goal_close, name="job_goal_close"),
    path("citizens/<int:citizen_pk>/consents/<slug:consent_kind>/give/", views.consent_give, name="consent_give"),
    path(
        "citizens/<int:citizen_pk>/consents/<slug:consent_kind>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("citizens/<int:citizen_pk>/cv/", views.cv, name="cv"),
    path("citizens/<int:citizen_pk>/cv/<int:entry_pk>/edit/", views.cv_entry_edit, name="cv_entry_edit"),
    path("citizens/<int:citizen_pk>/cv/<int:entry_pk>/delete/", views.cv_entry_delete, name="cv_entry_delete"),
    path("citizens/<int:citizen_pk>/cv.pdf", views.cv_pdf, name="cv_pdf"),
    path("citizens/<int:citizen_pk>/competence-card/", views.competence_card, name="competence_card"),
    path("citizens/<int:citizen_pk>/restrictions/", views.restrictions, name="restrictions"),
    path(
        "citizens/<int:citizen_pk>/restrictions/<int:restriction_pk>/end/",
        views.restriction_end,
        name="restriction_end",
    ),
    path("citizens/<int:citizen_pk>/parallel-efforts/", views.parallel_efforts, name="parallel_efforts"),
    path(
        "citizens/<int:citizen_pk>/parallel-efforts/<int:effort_pk>/end/",
        views.parallel_effort_end,
        name="parallel_effort_end",
    ),
]
