from django.urls import path

from jobbro.privacy import views

urlpatterns = [
    path("citizens/<int:citizen_pk>/rights/export/", views.privacy_export, name="privacy_export"),
    path("citizens/<int:citizen_pk>/rights/export/runs/", views.privacy_export_runs, name="privacy_export_runs"),
    path("citizens/<int:citizen_pk>/rights/export/zip/", views.privacy_export_download, name="privacy_export_download"),
    path("citizens/<int:citizen_pk>/rights/legal-hold/", views.privacy_legal_hold, name="privacy_legal_hold"),
    path("citizens/<int:citizen_pk>/rights/erase/", views.privacy_erase, name="privacy_erase"),
    path("privacy/receipts/", views.privacy_receipts, name="privacy_receipts"),
    path("privacy/receipts/<int:pk>/", views.privacy_receipt, name="privacy_receipt"),
    path("privacy/receipts/<int:pk>/pdf/", views.privacy_receipt_pdf, name="privacy_receipt_pdf"),
    path("privacy/retention/", views.privacy_retention, name="privacy_retention"),
]
