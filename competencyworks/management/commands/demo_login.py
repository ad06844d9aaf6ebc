import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

LOGIN_FILE = Path(settings.BASE_DIR) / ".admin-login"


class Command(BaseCommand):
    help = "Create the local admin account once and print its login (kept in .admin-login)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="where make run serves")

    def handle(self, *args, port, **options):
        User = get_user_model()
        if not User.objects.filter(username="admin").exists() or not LOGIN_FILE.exists():
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(
                username="admin", defaults={"email": "admin@localhost"}
            )
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            LOGIN_FILE.write_text(f"admin {password}\n")
            LOGIN_FILE.chmod(0o600)
        username, password = LOGIN_FILE.read_text().split()
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin: http://127.0.0.1:{port}/admin/  user: {username}  password: {password}"
            )
        )
