"""The resident's photo pages (the reviewers' pages are in ``review_urls``)."""

from django.urls import path

from photolib.photos import views

app_name = "photos"

urlpatterns = [
    path("photos/upload/", views.upload, name="upload"),
    path("photos/mine/", views.mine, name="mine"),
    path("photos/<uuid:photo_id>/edit/", views.edit, name="edit"),
    path("photos/<uuid:photo_id>/delete/", views.delete, name="delete"),
    path("photos/<uuid:photo_id>/status/", views.status, name="status"),
    path("photos/<uuid:photo_id>/image/<slug:kind>/", views.rendition, name="rendition"),
]
