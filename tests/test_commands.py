import io

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post, Series
from competencyworks.management.commands import demo_login

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_demo_once(client):
    call_command("seed_demo", stdout=io.StringIO())
    first = Post.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Post.objects.count() == first
    states = {post.visibility for post in Post.objects.all()}
    assert states == {"draft", "scheduled", "published"}
    series = Series.objects.get(slug="redesigning-grading")
    assert sorted(series.posts.values_list("series_part", flat=True)) == [1, 2, 3]
    assert Post.objects.exclude(crosspost_url="").count() == 1
    assert set(Post.objects.values_list("section__slug", flat=True)) == {"k-12", "higher-education"}
    assert client.get("/").status_code == 200


def test_seed_demo_synthetic_posts_are_published_with_authors_tags_and_series(client):
    call_command("seed_demo", posts=120, stdout=io.StringIO())
    synthetic = Post.objects.filter(import_key__isnull=True)
    assert synthetic.count() == 120
    assert all(post.bylines.count() == 1 for post in synthetic[:10])
    assert all(post.tags.count() == 3 for post in synthetic[:10])
    assert synthetic.filter(series__isnull=False).count() == 12
    sample = synthetic.first()
    assert client.get(sample.get_absolute_url()).status_code == 200


def test_seed_demo_refuses_a_negative_count():
    with pytest.raises(CommandError):
        call_command("seed_demo", posts=-1)


def test_demo_login_creates_an_admin_once_and_prints_it(tmp_path, monkeypatch, capsys, client):
    monkeypatch.setattr(demo_login, "LOGIN_FILE", tmp_path / ".admin-login")
    call_command("demo_login")
    first = capsys.readouterr().out
    call_command("demo_login")
    assert capsys.readouterr().out == first
    username, password = (tmp_path / ".admin-login").read_text().split()
    assert f"user: {username}  password: {password}" in first
    assert client.login(username=username, password=password)
    assert client.get("/admin/").status_code == 200
    call_command("demo_login", port=8123)
    assert "http://127.0.0.1:8123/admin/" in capsys.readouterr().out
