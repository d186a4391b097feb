from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "photolib.photos"
    label = "photos"
    verbose_name = "Photos, ingest and moderation"
