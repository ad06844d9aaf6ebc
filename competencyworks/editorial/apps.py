from django.contrib.admin.apps import AdminConfig


class EditorialAdminConfig(AdminConfig):
    """Django's admin, served by the editorial admin site."""

    default_site = "competencyworks.editorial.site.EditorialAdminSite"
