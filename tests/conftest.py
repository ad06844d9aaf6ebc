import io

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from PIL import Image

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


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
