from django.urls import path

from photolib.rights import views

app_name = "rights"

urlpatterns = [
    path("accounts/export/", views.export, name="export"),
    path("accounts/delete/", views.erase, name="erase"),
    path("review/erasures/", views.erasure_log, name="erasure_log"),
]
