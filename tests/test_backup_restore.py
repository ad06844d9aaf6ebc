"""The documented backup (README, Production) restores into a fresh database that serves the
same pages: PostgreSQL's pg_dump / pg_restore, or SQLite's .backup, plus the media folder."""

import json
import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from tests.factories import PostFactory, ResourceFactory
from tests.processes import database_url, manage, run_django, shared_database_url

PAGES = """
import hashlib, json
from django.test import Client
client = Client()
pages = {}
for url in %r:
    response = client.get(url)
    body = b"".join(response) if response.streaming else response.content
    pages[url] = [response.status_code, hashlib.sha256(body).hexdigest(), body.decode()]
print(json.dumps(pages))
"""


def served(database, urls, media):
    """Each page's status, digest and text as a production process serves them."""
    done = run_django(PAGES % (urls,), database, MEDIA_ROOT=str(media), SERVE_MEDIA="1")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def fresh_database():
    """A new, empty database beside the test database, dropped afterwards."""
    if connection.vendor != "postgresql":
        yield None
        return
    settings_dict = {
        **connection.settings_dict,
        "NAME": f"{connection.settings_dict['NAME']}_restored",
    }
    admin = database_url({**settings_dict, "NAME": "postgres"})
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')
        server.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    yield database_url(settings_dict)
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


def back_up_and_restore(source, backup_folder, fresh):
    """The README's commands: a dump (or SQLite copy) restored into a new database."""
    if fresh is None:
        copy = backup_folder / "backup.sqlite3"
        subprocess.run(
            ["sqlite3", source.removeprefix("sqlite:///"), f".backup {copy}"], check=True
        )
        return f"sqlite:///{copy}"
    dump = backup_folder / "backup.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", dump, source], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", fresh, dump], check=True)
    return fresh


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_backup_serves_the_same_pages(tmp_path, fresh_database):
    post = PostFactory(title="Mastery grading in rural schools", tags=["equity"])
    ResourceFactory(title="A mastery rubric", tags=["equity"])
    media = tmp_path / "media"
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "rubric.txt").write_text("the rubric")
    source = shared_database_url(tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()

    restored = back_up_and_restore(source, backups, fresh_database)
    shutil.copytree(media, backups / "media")  # the media folder, copied as it is
    reindexed = manage("reindex_search", database=restored)
    out, err = reindexed.communicate(timeout=60)

    assert reindexed.returncode == 0, err
    assert "Search index rebuilt." in out
    urls = [
        "/",
        post.get_absolute_url(),
        "/blog/tag/equity/",
        "/search/?q=mastery",
        "/library/",
        "/policy/",
        "/media/uploads/rubric.txt",
    ]
    before = served(source, urls, media)
    after = served(restored, urls, backups / "media")
    assert {url: page[:2] for url, page in after.items()} == {
        url: page[:2] for url, page in before.items()
    }
    assert all(status == 200 for status, _, _ in after.values())
    found = after["/search/?q=mastery"][2]
    assert "2 results for “mastery”" in found
    assert f'href="{post.get_absolute_url()}"' in found
    assert 'href="/library/resources/a-mastery-rubric/"' in found
    assert after["/media/uploads/rubric.txt"][2] == "the rubric"
