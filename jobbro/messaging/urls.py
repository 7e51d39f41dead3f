from django.urls import path

from jobbro.messaging import views

urlpatterns = [
    path("messages/templates/", views.template_list, name="message_templates"),
    path("messages/templates/<int:template_pk>/", views.template_edit, name="message_template_edit"),
    path("messages/small-jobs-list/", views.subscription_list, name="message_subscriptions"),
    path(
        "messages/small-jobs-list/<int:subscription_pk>/end/", views.subscription_end, name="message_subscription_end"
    ),
    path("messages/opt-outs/", views.opt_out_new, name="message_opt_out_new"),
    path("citizens/<int:citizen_pk>/contact-consent/", views.contact_consent, name="citizen_contact_consent"),
]
