"""The three roles, as Django groups, and the permissions each holds.

Views and templates check permissions (``accounts.contribute``), never group
names, so an admin can shape roles without a code change. A data migration makes
the groups; ``sync_roles`` runs after every ``migrate`` (and after the test
runner's flush) to add any permission a newer app introduced, the way Django's
own ``create_permissions`` keeps permissions in step with models.
"""

from __future__ import annotations

from django.apps import apps as global_apps

RESIDENT = "resident"
MARKETING = "marketing"
REVIEWER = "reviewer"
ROLES = (RESIDENT, MARKETING, REVIEWER)

# role -> "app_label.model.codename" permissions it holds.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    RESIDENT: ("accounts.user.contribute",),
    MARKETING: ("accounts.user.use_catalog",),
    REVIEWER: (
        "accounts.user.moderate", "accounts.user.use_admin", "accounts.user.view_user",
        "consent.communitygroup.view_communitygroup",
        "consent.communitygroup.add_communitygroup",
        "consent.communitygroup.change_communitygroup",
        "consent.agreementversion.view_agreementversion",
        "consent.agreementversion.add_agreementversion",
        "consent.agreementversion.change_agreementversion",
        "consent.consentrecord.view_consentrecord",
        "catalog.download.view_download",
        "catalog.synonym.view_synonym", "catalog.synonym.add_synonym",
        "catalog.synonym.change_synonym", "catalog.synonym.delete_synonym",
        "photos.photo.view_photo",
        "photos.moderationevent.view_moderationevent",
    ),
}


def sync_roles(apps=global_apps, **_kwargs) -> None:
    """Create missing role groups and give each the permissions listed above.

    Idempotent and additive: it never removes a permission an admin granted.
    Permissions of models not installed yet are skipped.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for role, perms in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, model_name, codename = dotted.split(".")
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            ct, _ = ContentType.objects.get_or_create(app_label=app_label,
                                                      model=model._meta.model_name)
            label = dict(model._meta.permissions).get(codename) or codename.replace("_", " ")
            perm, _ = Permission.objects.get_or_create(
                content_type=ct, codename=codename, defaults={"name": label[:255]}
            )
            wanted.append(perm)
        group.permissions.add(*wanted)
