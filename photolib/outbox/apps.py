from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "photolib.outbox"
    label = "outbox"
    verbose_name = "Background work: outbox and periodic jobs"
