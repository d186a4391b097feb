"""The resident's photo pages (the reviewers' pages are in ``review_urls``).

``patterns(uses_of=...)`` is what the project's URL configuration includes: it hands the
catalog's "uses of these photos" selector to My photos, since photos may not import the
catalog that sits above it.
"""

from django.urls import path

from photolib.photos import views

app_name = "photos"


def patterns(*, uses_of: views.UsesOf | None = None) -> tuple[list, str]:
    """The URL patterns and their namespace, for ``include()``."""
    return [
        path("photos/upload/", views.upload, name="upload"),
        path("photos/mine/", views.mine, {"uses_of": uses_of}, name="mine"),
        path("photos/renew/", views.renew, name="renew"),
        path("photos/<uuid:photo_id>/edit/", views.edit, name="edit"),
        path("photos/<uuid:photo_id>/delete/", views.delete, {"uses_of": uses_of},
             name="delete"),
        path("photos/<uuid:photo_id>/status/", views.status, name="status"),
        path("photos/<uuid:photo_id>/image/<slug:kind>/", views.rendition, name="rendition"),
    ], app_name
