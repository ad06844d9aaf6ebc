from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from blog.editors import create_editor, password_set_url
from competencyworks.permissions import EDITORS


def default_site_url():
    if settings.DEBUG or not settings.ALLOWED_HOSTS:
        return "http://127.0.0.1:8000"
    return f"https://{settings.ALLOWED_HOSTS[0].lstrip('.')}"


class Command(BaseCommand):
    help = (
        "Create an editor: a staff account in the Editors group with an author profile (the "
        "byline of their posts), and print a link where they choose their password."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Their e-mail address, also their user name.")
        parser.add_argument("--name", default="", help='Full name for bylines, e.g. "Ana Ruiz".')
        parser.add_argument(
            "--site-url",
            default=default_site_url(),
            help="The site's address, for the link (default: from ALLOWED_HOSTS).",
        )

    def handle(self, email, name, site_url, **options):
        if not Group.objects.filter(name=EDITORS).exists():
            raise CommandError("There is no Editors group: run migrate first.")
        try:
            author = create_editor(email, name)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        self.stdout.write(
            self.style.SUCCESS(f"Created editor {author.user.email} with the byline “{author}”.")
        )
        self.stdout.write("Send them this link to choose a password (it works once):")
        self.stdout.write(password_set_url(author.user, site_url))
