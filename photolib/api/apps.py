from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "photolib.api"
    label = "api"
    verbose_name = "API: tokens' use, webhooks"

    def ready(self) -> None:
        from photolib.api import receivers  # noqa: F401 - connects them
