from django.urls import path

from photolib.consent import views

app_name = "consent"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/join/", views.join, name="join"),
    path("groups/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("consent/", views.my_consent, name="my_consent"),
    path("consent/receipts/<uuid:record_id>/", views.receipt, name="receipt"),
    path("consent/receipts/<uuid:record_id>.json", views.receipt_json, name="receipt_json"),
    path("review/consent/", views.record_list, name="record_list"),
    path("review/consent/export.csv", views.record_export, name="record_export"),
    path("review/consent/<uuid:record_id>/", views.record_detail, name="record_detail"),
]
