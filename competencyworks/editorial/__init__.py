"""The editors' side of the admin: the start screen and the editorial calendar.

The admin site itself is `site.EditorialAdminSite` (installed through `apps`), so every
admin page shares one app list: the content apps first, and the technical ones for
superusers only.
"""
