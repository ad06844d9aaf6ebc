"""Admin login limits, as the site sees clients behind the proxies it trusts."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(username="editor", is_staff=True)
    return settings


# The fifth failure is the one that locks: it is answered 429 already.
LOCKING = [200] * 4 + [429]


def log_in(username, password, remote_addr, forwarded=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"username": username, "password": password}
    return Client().post("/admin/login/", data, **headers).status_code


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    statuses = [log_in("editor", "wrong", PROXY, CLIENT_A) for _ in range(5)]

    assert statuses == LOCKING
    assert log_in("editor", PASSWORD, PROXY, CLIENT_A) == 429
    assert log_in("editor", PASSWORD, PROXY, CLIENT_B) == 302


def test_one_address_trying_many_usernames_is_locked_out(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    statuses = [log_in(f"guess{n}", "wrong", PROXY, CLIENT_A) for n in range(30)]

    assert statuses == LOCKING + [429] * 25
    assert log_in("editor", PASSWORD, PROXY, CLIENT_A) == 429
    assert log_in("editor", PASSWORD, PROXY, CLIENT_B) == 302


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded"),
    [
        (0, CLIENT_A, "{forged}"),
        (1, PROXY, "{forged}, " + CLIENT_A),
        (2, PROXY, "{forged}, " + CLIENT_A + ", 10.0.0.3"),
    ],
)
def test_forged_forwarded_for_entries_do_not_change_the_address(
    limits, proxies, remote_addr, forwarded
):
    limits.TRUSTED_PROXY_COUNT = proxies
    statuses = [
        log_in(f"guess{n}", "wrong", remote_addr, forwarded.format(forged=f"192.0.2.{n}"))
        for n in range(5)
    ]

    assert statuses == LOCKING
    header = forwarded.format(forged="192.0.2.99")
    assert log_in("editor", PASSWORD, remote_addr, header) == 429


def test_an_address_that_is_not_one_is_never_taken_for_the_client(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    statuses = [log_in("editor", "wrong", CLIENT_A, "not-an-address") for _ in range(5)]

    assert statuses == LOCKING
    assert log_in("editor", PASSWORD, CLIENT_A, "also, garbage") == 429
    assert log_in("editor", PASSWORD, CLIENT_B) == 302
