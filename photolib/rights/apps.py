from django.apps import AppConfig


class RightsConfig(AppConfig):
    """Residents' data rights: export, erasure and retention. It sits above the catalog,
    the highest app whose facts erasure needs (whether a photo was used)."""

    name = "photolib.rights"
    label = "rights"
    verbose_name = "Data rights"
    default_auto_field = "django.db.models.BigAutoField"
