from django.urls import path

from jobbro.outreach import views

EVENT = "events/<int:pk>/"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_new, name="event_new"),
    path(EVENT, views.event_detail, name="event_detail"),
    path(EVENT + "edit/", views.event_edit, name="event_edit"),
    path(EVENT + "sessions/new/", views.event_session_new, name="event_session_new"),
    path(EVENT + "register/", views.event_register, name="event_register"),
    path(
        EVENT + "registrations/<int:registration_pk>/cancel/",
        views.event_registration_cancel,
        name="event_registration_cancel",
    ),
    path(EVENT + "attendance/", views.event_attendance, name="event_attendance"),
    path(EVENT + "drop-in/", views.event_drop_in, name="event_drop_in"),
    path(EVENT + "named-visit/", views.event_named_visit, name="event_named_visit"),
    path(EVENT + "plan/", views.event_speed_dating_plan, name="event_speed_dating_plan"),
    path(
        EVENT + "conversations/<int:conversation_pk>/outcome/",
        views.event_conversation_outcome,
        name="event_conversation_outcome",
    ),
]
