"""The "Editors" group: exactly the content permissions editors need.

Each app's migration grants its own models, so the group grows with the site
and never includes users, groups or other site settings.
"""

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions

EDITORS = "Editors"


def grant_editors(apps, schema_editor, grants):
    """`grants` maps "app_label.model" to actions ("add", "change", "delete", "view")."""
    for app_label in {key.split(".")[0] for key in grants}:
        # Permissions normally appear after migrate; the group needs them now.
        create_permissions(installed_apps.get_app_config(app_label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    for key, actions in grants.items():
        app_label, model = key.split(".")
        codenames = [f"{action}_{model}" for action in actions]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
