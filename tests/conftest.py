import io
import os
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from PIL import Image

from competencyworks.pagecache import fragments
from tests.browser.chromium import browser_required, chromium_missing
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller has decided already
    if browser_required() and chromium_missing():
        raise pytest.UsageError(f"BROWSER_TESTS=required, but {chromium_missing()}")
    # One folder per run, named before xdist starts its workers (they inherit it).
    database = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    run_name = f"{time.strftime('%Y%m%d-%H%M%S')}-{database}"
    os.environ.setdefault("SCREENSHOT_DIR", str(ROOT / "screenshots" / run_name))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    reason = chromium_missing()
    for item in items:
        if item.get_closest_marker("browser"):
            # One worker runs them all, against one site and one browser.
            item.add_marker(pytest.mark.xdist_group("browser"))
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"browser tests not run: {reason}"))


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):
        return
    reason = chromium_missing()
    if reason:
        terminalreporter.write_sep("!", "BROWSER TESTS WERE NOT RUN", red=True, bold=True)
        terminalreporter.write_line(f"{reason}.")
    elif Path(os.environ["SCREENSHOT_DIR"]).is_dir():
        terminalreporter.write_line(f"Browser screenshots: {os.environ['SCREENSHOT_DIR']}")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    fragments.forget_all()
    yield
    cache.clear()
    fragments.forget_all()


@pytest.fixture
def editor(db):
    """A staff user in the Editors group, as a real editor would be set up."""
    user = UserFactory(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def image_bytes(size=(800, 600), fmt="PNG", color=(30, 90, 140)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()
