from django.urls import path

from jobbro.imports import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/import/", views.import_confirm, name="import_confirm"),
    path("imports/templates/<slug:kind>.xlsx", views.import_template, name="import_template"),
]
