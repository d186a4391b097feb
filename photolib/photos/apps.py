from django.apps import AppConfig
from django.core import checks


class PhotosConfig(AppConfig):
    name = "photolib.photos"
    label = "photos"
    verbose_name = "Photos, ingest and moderation"

    def ready(self) -> None:
        from photolib.consent.signals import photo_withdrawal_reconciled
        from photolib.photos.checks import visibility_timeout_check
        from photolib.photos.moderation import photo_withdrawal_reconciled as mark_withdrawn
        from photolib.photos.storage_owner import ORIGINAL_FILES, RENDITION_FILES
        from photolib.sweep import register

        checks.register(visibility_timeout_check, checks.Tags.compatibility)
        register(ORIGINAL_FILES)
        register(RENDITION_FILES)
        photo_withdrawal_reconciled.connect(mark_withdrawn,
                                            dispatch_uid="photos-withdrawal-reconciled")
