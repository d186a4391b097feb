from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "photolib.catalog"
    label = "catalog"
    verbose_name = "Catalog: search, collections and downloads"

    def ready(self) -> None:
        from photolib.catalog import receivers, storage_owner  # noqa: F401 - connects them
        from photolib.sweep import register

        register(storage_owner.DOWNLOAD_COPIES)
