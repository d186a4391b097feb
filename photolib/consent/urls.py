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
    path("consent/receipts/<uuid:record_id>.jwt", views.receipt_jws, name="receipt_jws"),
    path("consent/receipts/<uuid:record_id>.jsonld", views.record_27560, name="record_27560"),
    path("consent/records.jsonld", views.my_consent_27560, name="my_consent_27560"),
    path("consent/verify/", views.verify_receipt, name="verify_receipt"),
    path("consent/verify.json", views.verify_receipt_api, name="verify_receipt_api"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("review/consent/", views.record_list, name="record_list"),
    path("review/consent/export.csv", views.record_export, name="record_export"),
    path("review/consent/<uuid:record_id>/", views.record_detail, name="record_detail"),
]
