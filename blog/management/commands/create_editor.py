from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from blog.models import Author
from competencyworks.permissions import EDITORS


def default_site_url():
    if settings.DEBUG or not settings.ALLOWED_HOSTS:
        return "http://127.0.0.1:8000"
    return f"https://{settings.ALLOWED_HOSTS[0].lstrip('.')}"


def password_set_url(user, site_url):
    """A one-use link to choose a password: it stops working once the password is set."""
    path = reverse(
        "editor-set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{site_url.rstrip('/')}{path}"


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
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        User = get_user_model()
        if User.objects.filter(username__iexact=email).exists():
            raise CommandError(f"There is already an account {email}.")
        try:
            editors = Group.objects.get(name=EDITORS)
        except Group.DoesNotExist:
            raise CommandError("There is no Editors group: run migrate first.") from None
        name = " ".join(name.split()) or email.split("@")[0]
        with transaction.atomic():
            first, _, last = name.partition(" ")
            # No password yet (unusable): the editor chooses one through the link.
            user = User.objects.create_user(
                username=email,
                email=email,
                first_name=first[:150],
                last_name=last[:150],
                is_staff=True,
            )
            user.groups.add(editors)
            author = Author.objects.create(name=name[:200], user=user)
        self.stdout.write(
            self.style.SUCCESS(f"Created editor {email} with the byline “{author.name}”.")
        )
        self.stdout.write("Send them this link to choose a password (it works once):")
        self.stdout.write(password_set_url(user, site_url))
