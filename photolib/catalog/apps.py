from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "photolib.catalog"
    label = "catalog"
    verbose_name = "Catalog: search, collections and downloads"
