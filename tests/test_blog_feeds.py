import xml.etree.ElementTree as ET

import pytest

from tests.factories import AuthorFactory, PostFactory, SeriesFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def content():
    ada = AuthorFactory(name="Ada", slug="ada")
    series = SeriesFactory(slug="grading", title="Grading")
    PostFactory(
        title="Fish & <chips>", tags=["equity"], authors=[ada], series=series, series_part=1,
        excerpt="Summary with “quotes” and é.",
    )  # fmt: skip
    PostFactory(title="Other section post", section__name="Higher Education",
                section__slug="higher-education")  # fmt: skip


FEEDS = [
    ("/feed/", {"Fish & <chips>", "Other section post"}),
    ("/blog/feed/", {"Fish & <chips>", "Other section post"}),
    ("/blog/section/k-12/feed/", {"Fish & <chips>"}),
    ("/blog/tag/equity/feed/", {"Fish & <chips>"}),
    ("/blog/author/ada/feed/", {"Fish & <chips>"}),
    ("/blog/series/grading/feed/", {"Fish & <chips>"}),
]


@pytest.mark.parametrize(("url", "titles"), FEEDS)
def test_rss_feeds_parse_and_hold_the_right_posts(client, content, url, titles):
    response = client.get(url)
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert {item.findtext("title") for item in channel.iter("item")} == titles


@pytest.mark.parametrize(("url", "titles"), FEEDS)
def test_atom_feeds_parse_and_hold_the_right_posts(client, content, url, titles):
    response = client.get(url + "atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert {entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")} == titles


def test_feed_items_carry_author_categories_summary_and_link(client, content):
    channel = ET.fromstring(client.get("/blog/section/k-12/feed/").content).find("channel")
    item = channel.find("item")
    assert item.findtext("description") == "Summary with “quotes” and é."
    assert {c.text for c in item.iter("category")} == {"K-12", "equity"}
    assert item.findtext("link").startswith("http://testserver/blog/")
    assert "Ada" in ET.tostring(item, encoding="unicode")
