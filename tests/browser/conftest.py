"""Fixtures for the browser tests: the served site, Debian's Chromium, watched pages."""

import os
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.site import serve
from tests.browser.visitor import Visitor

# Playwright's sync API keeps an event loop running in the test thread, after which Django
# refuses ORM calls from the other tests this worker runs. The browser tests themselves
# never touch the ORM: they only speak HTTP to a separate server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id):
    yield from serve(tmp_path_factory.mktemp("site"), f"cw_browser_{worker_id}")


@pytest.fixture(scope="session")
def base_url(site):
    return site.url


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "accept_downloads": True}


@pytest.fixture
def context(new_context, site):
    """A browser context whose console errors and uncaught exceptions fail the test."""
    context = new_context()
    context.set_default_timeout(10_000)
    context.problems = []
    context.on(
        "console",
        lambda message: (
            message.type == "error"
            and context.problems.append(f"console error: {message.text} at {message.location}")
        ),
    )
    context.on("weberror", lambda error: context.problems.append(f"page error: {error.error}"))
    yield context
    assert context.problems == [], f"{context.problems}\nserver log:\n{site.log_tail()}"


@pytest.fixture(scope="session")
def screenshots():
    folder = Path(os.environ["SCREENSHOT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=["mouse", "keyboard"])
def visitor(request, page):
    """The test runs twice: clicking, then with Tab, Enter and typing only."""
    return Visitor(page, keyboard=request.param == "keyboard")


def hold_the_first(context, pattern):
    """Hold back the first request matching `pattern`, as the slowest of answers; later ones
    go through. Returns the held routes: `held[0].continue_()` lets it answer at last."""
    held = []

    def hold(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    context.route(pattern, hold)
    return held
