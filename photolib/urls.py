from django.contrib import admin
from django.urls import include, path

from photolib import views

admin.site.site_header = "Community photo library: administration"
admin.site.site_title = "Photo library admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("photolib.accounts.urls")),
    path("", include("photolib.consent.urls")),
    path("", include("photolib.photos.urls")),
    path("", include("photolib.catalog.urls")),
    path("review/", include("photolib.photos.review_urls")),
    path("admin/", admin.site.urls),
]
