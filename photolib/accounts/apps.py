from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "photolib.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from photolib.accounts.roles import sync_roles
        from photolib.ratelimit import storage_check

        # Like contrib.auth's create_permissions: keeps the role groups whole after
        # every migrate and every test-database flush.
        post_migrate.connect(sync_roles, dispatch_uid="photolib.accounts.sync_roles")
        # The abuse limits serve every app; accounts, the lowest, registers their check.
        checks.register(storage_check, checks.Tags.security, deploy=True)
