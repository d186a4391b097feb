from django.urls import path

from photolib.photos import review_views as views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("approve/", views.approve_many, name="approve_many"),
    path("photos/<uuid:photo_id>/", views.photo, name="photo"),
    path("photos/<uuid:photo_id>/files/<str:kind>/", views.file, name="file"),
    path("photos/<uuid:photo_id>/approve/", views.approve, name="approve"),
    path("photos/<uuid:photo_id>/focal-point/", views.focal_point, name="focal_point"),
    path("photos/<uuid:photo_id>/reject/", views.reject, name="reject"),
    path("photos/<uuid:photo_id>/take-down/", views.take_down, name="take_down"),
    path("photos/<uuid:photo_id>/retry/", views.retry, name="retry"),
]
