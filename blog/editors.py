"""New editors: a staff account in the Editors group, its author profile, and a link to
choose a password. Used by `manage.py create_editor` and the admin's Add editor form."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from blog.models import Author
from competencyworks.permissions import EDITORS


def create_editor(email, name=""):
    """The new editor's author profile (its `user` is the account); ValidationError if the
    address is not one or already has an account."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"{email!r} is not an e-mail address.", code="invalid") from None
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError(f"There is already an account {email}.", code="taken")
    editors = Group.objects.get(name=EDITORS)
    name = " ".join(name.split()) or email.split("@")[0]
    first, _, last = name.partition(" ")
    with transaction.atomic():
        # No password yet (unusable): the editor chooses one through the link.
        user = User.objects.create_user(
            username=email, email=email, first_name=first[:150], last_name=last[:150], is_staff=True
        )
        user.groups.add(editors)
        return Author.objects.create(name=name[:200], user=user)


def password_set_url(user, site_url):
    """A link to choose a password; it stops working once the password is set."""
    path = reverse(
        "editor-set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{site_url.rstrip('/')}{path}"
