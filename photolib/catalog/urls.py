from django.urls import path

from photolib.catalog import views

app_name = "catalog"

urlpatterns = [
    path("catalog/", views.search_page, name="search"),
    path("catalog/photos/<uuid:photo_id>/", views.photo_detail, name="photo"),
    path("catalog/photos/<uuid:photo_id>/<str:kind>.jpg", views.rendition, name="rendition"),
    path("catalog/photos/<uuid:photo_id>/download/", views.download, name="download"),
    path("catalog/collections/", views.collections, name="collections"),
    path("catalog/collections/<int:pk>/", views.collection_detail, name="collection"),
    path("catalog/collections/<int:pk>/add/", views.collection_add, name="collection_add"),
    path("catalog/collections/<int:pk>/remove/", views.collection_remove,
         name="collection_remove"),
    path("catalog/collections/<int:pk>/zip/", views.collection_zip, name="collection_zip"),
    path("catalog/collections/<int:pk>/share/", views.collection_share,
         name="collection_share"),
    path("catalog/collections/<int:pk>/unshare/", views.collection_unshare,
         name="collection_unshare"),
    path("catalog/collections/<int:pk>/rename/", views.collection_rename,
         name="collection_rename"),
    path("catalog/collections/<int:pk>/delete/", views.collection_delete,
         name="collection_delete"),
    path("catalog/notices/", views.notices, name="notices"),
    path("catalog/notices/<int:pk>/acknowledge/", views.notice_acknowledge,
         name="notice_acknowledge"),
    path("review/photos/<uuid:photo_id>/notices/", views.photo_recall, name="photo_recall"),
    path("licence/<uuid:photo_id>/", views.licence, name="licence"),
    path("my/photos/<uuid:photo_id>/withdraw/", views.withdraw_photo, name="withdraw_photo"),
]
