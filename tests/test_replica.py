"""A read replica (DATABASE_REPLICA_URL): anonymous readers read it, editors and writes don't.

Each test runs a production process whose primary and replica are SQLite files: the same file
when only the routing matters, two files when the replica should lag behind the primary (it
catches up when the test copies the primary over it).
"""

import json
import shutil
import subprocess
import sys

import pytest

from tests.test_deploy_settings import ROOT, production_env

PRELUDE = """
import json, sqlite3, sys, time
import django
django.setup()
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from blog.models import Post
from tests.factories import PostFactory, UserFactory

def get(client, url):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(
        connections["replica"]
    ) as replica:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return {"primary": len(primary), "replica": len(replica), "body": response.content.decode()}

def catch_up(primary, replica):
    with sqlite3.connect(primary) as source, sqlite3.connect(replica) as target:
        source.backup(target)
    time.sleep(0.3)  # past the time each process trusts the content version it read
"""

ROUTING = """
from django.core.cache import cache
PostFactory(title="Read from the replica")
editor = Client()
editor.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
with transaction.atomic():
    in_transaction = get(Client(), "/blog/")
cache.clear()  # each page is rendered, not served from the page cache
print(json.dumps({
    "anonymous": get(Client(), "/blog/"),
    "editor_page": get(editor, "/blog/"),
    "admin": get(editor, "/admin/blog/post/"),
    "in_transaction": in_transaction,
}))
"""

LAGGING = """
primary, replica = sys.argv[1:]
post = PostFactory(title="First title")
catch_up(primary, replica)
before = get(Client(), "/blog/")
post.title = "Second title"
post.save()
editor = Client()
editor.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
lagging = get(Client(), "/blog/")
edited = get(editor, "/blog/")
catch_up(primary, replica)
print(json.dumps({
    "before": before["body"], "lagging": lagging["body"], "editor": edited["body"],
    "caught_up": get(Client(), "/blog/")["body"],
}))
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated SQLite database file to copy and collected static files, made once."""
    folder = tmp_path_factory.mktemp("replica")
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"],
            cwd=ROOT,
            env=production_env(folder),
            check=True,
        )
    return folder / "db.sqlite3"


def run(tmp_path, migrated, code, replica, *args):
    shutil.copy(migrated, tmp_path / "db.sqlite3")
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code, *args],
        cwd=ROOT,
        env=production_env(
            tmp_path,
            DATABASE_REPLICA_URL=f"sqlite:///{replica}",
            ALLOWED_HOSTS="testserver",
            HTTPS="0",
            STATIC_ROOT=str(migrated.parent),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def routed(tmp_path, migrated):
    return run(tmp_path, migrated, ROUTING, tmp_path / "db.sqlite3")


def test_anonymous_reader_reads_only_from_the_replica(routed):
    assert "Read from the replica" in routed["anonymous"]["body"]
    assert routed["anonymous"]["replica"] > 0
    assert routed["anonymous"]["primary"] == 0


def test_signed_in_editor_reads_the_primary_on_public_pages_and_in_the_admin(routed):
    for page in ("editor_page", "admin"):
        assert routed[page]["primary"] > 0
        assert routed[page]["replica"] == 0
    assert "Read from the replica" in routed["admin"]["body"]


def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(routed):
    assert routed["in_transaction"]["replica"] == 0
    assert "Read from the replica" in routed["in_transaction"]["body"]


def test_a_lagging_replica_never_leaves_a_stale_page_cached_once_it_catches_up(tmp_path, migrated):
    replica = tmp_path / "replica.sqlite3"
    shutil.copy(migrated, replica)

    pages = run(tmp_path, migrated, LAGGING, replica, tmp_path / "db.sqlite3", replica)

    assert "First title" in pages["before"]
    assert "First title" in pages["lagging"]  # readers see the change a moment later
    assert "Second title" in pages["editor"]  # the editor sees it at once
    assert "Second title" in pages["caught_up"]
    assert "First title" not in pages["caught_up"]


@pytest.mark.parametrize(("replica_url", "routed"), [("", False), ("sqlite:///replica", True)])
def test_the_replica_is_used_only_when_configured(tmp_path, replica_url, routed):
    code = (
        "import django\ndjango.setup()\nfrom django.conf import settings\n"
        "print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS,"
        " 'competencyworks.db_routers.ReplicaReadsMiddleware' in settings.MIDDLEWARE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path, DATABASE_REPLICA_URL=replica_url),
        capture_output=True,
        text=True,
        check=True,
    )

    expected = (
        "['default', 'replica'] ['competencyworks.db_routers.ReplicaRouter'] True"
        if routed
        else "['default'] [] False"
    )
    assert done.stdout.strip() == expected
