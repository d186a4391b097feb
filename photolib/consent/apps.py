from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "photolib.consent"
    label = "consent"
    verbose_name = "Groups, agreements and the consent ledger"
