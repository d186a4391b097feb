from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "photolib.catalog"
    label = "catalog"
    verbose_name = "Catalog: search, collections and downloads"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from photolib.catalog import receivers, storage_owner
        from photolib.sweep import register

        post_migrate.connect(receivers.mark_cleared_after_migrate, sender=self,
                             dispatch_uid="catalog.mark_cleared_after_migrate")

        register(storage_owner.DOWNLOAD_COPIES)
