"""Create the three roles as groups holding their capability permissions.

Permissions are normally made after all migrations (post_migrate), so this
migration makes the ones it needs itself; later apps add theirs to the groups.
"""

from django.db import migrations

# Frozen copy of photolib.accounts.roles.CAPABILITIES as of this migration.
CAPABILITIES = {
    "resident": ("contribute",),
    "marketing": ("use_catalog",),
    "reviewer": ("moderate", "use_admin", "view_user"),
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_ct, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    names = {
        "contribute": "Can join groups and upload photos (resident)",
        "use_catalog": "Can search and download from the catalog (marketing)",
        "moderate": "Can review uploads and audit consent (reviewer)",
        "use_admin": "Can use the Django admin",
        "view_user": "Can view user",
    }
    for role, codenames in CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            perm, _ = Permission.objects.get_or_create(
                content_type=user_ct, codename=codename, defaults={"name": names[codename]}
            )
            group.permissions.add(perm)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(CAPABILITIES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
