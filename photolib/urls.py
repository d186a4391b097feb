from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from photolib import views
from photolib.catalog.selectors import uses_by_photo
from photolib.photos import urls as photos_urls

admin.site.site_header = "Community photo library: administration"
admin.site.site_title = "Photo library admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("photolib.accounts.urls")),
    path("", include("photolib.consent.urls")),
    # My photos shows the catalog's uses of each photo: handed in here, the one place that
    # sees both apps.
    path("", include(photos_urls.patterns(uses_of=uses_by_photo))),
    path("", include("photolib.catalog.urls")),
    path("review/", include("photolib.photos.review_urls")),
    path("", include("photolib.rights.urls")),
    path("", include("photolib.api.urls")),
    path("admin/", admin.site.urls),
    # The upload script's texts in the page's language (locale/*/LC_MESSAGES/djangojs.po).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
]

handler404 = "photolib.views.not_found"
