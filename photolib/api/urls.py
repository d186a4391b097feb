from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from photolib.accounts.sessions import sessionless
from photolib.api import pages, views

app_name = "api"


def token_only(view_class):
    """The API's views read no session (a token only; the file link is its own key): a
    staff member's web session, verified or not, neither opens nor blocks them."""
    return sessionless(view_class.as_view())


urlpatterns = [
    path("api/v1/search/", token_only(views.SearchView), name="search"),
    path("api/v1/photos/<uuid:photo_id>/", token_only(views.PhotoView), name="photo"),
    path("api/v1/photos/<uuid:photo_id>/renditions/<str:kind>/",
         token_only(views.RenditionView), name="rendition"),
    path("api/v1/collections/", token_only(views.CollectionListView), name="collections"),
    path("api/v1/collections/<int:pk>/", token_only(views.CollectionView), name="collection"),
    path("api/v1/collections/<int:pk>/photos/", token_only(views.CollectionPhotosView),
         name="collection_photos"),
    path("api/v1/collections/<int:pk>/photos/<uuid:photo_id>/",
         token_only(views.CollectionPhotoView), name="collection_photo"),
    path("api/v1/downloads/", token_only(views.DownloadView), name="downloads"),
    path("api/v1/files/<str:signed>/", sessionless(views.download_file),
         name="download_file"),
    path("api/v1/notices/", token_only(views.NoticeListView), name="notices"),
    path("api/v1/notices/<int:pk>/acknowledge/", token_only(views.NoticeAcknowledgeView),
         name="notice_acknowledge"),
    # The schema and its docs page describe the API and hold no data: public.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/docs.html"), name="docs"),
    # The web page for tokens (a signed-in marketing officer's session).
    path("account/api-tokens/", pages.tokens, name="tokens"),
    path("account/api-tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
