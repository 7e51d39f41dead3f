from django.urls import path

from jobbro.effect import register_views as views

PROGRAMME = "effect/programmes/<int:programme_pk>/"

urlpatterns = [
    path("effect/", views.programmes, name="effect_programmes"),
    path(PROGRAMME + "design/", views.trial_design, name="effect_trial_design"),
    path(PROGRAMME + "design/seed/", views.show_seed, name="effect_show_seed"),
    path(PROGRAMME + "register/", views.register_data, name="effect_register_data"),
    path(PROGRAMME + "register/keys/", views.issue_keys, name="effect_issue_keys"),
    path(PROGRAMME + "register/cpr-list/", views.linkage_list, name="effect_linkage_list"),
    path("effect/benefit-codes/", views.mapping, name="effect_mapping"),
]
