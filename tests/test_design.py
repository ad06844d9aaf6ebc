"""What readers see of the design: fonts, PDFs, filter chips, series and related posts."""

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from pypdf import PdfReader

from blog.models import Author, Post
from medialibrary.models import Image
from tests.factories import AuthorFactory, PostFactory, SectionFactory, SeriesFactory
from tests.processes import collected_static

pytestmark = pytest.mark.django_db


def text_of(response):
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def chip_links(response):
    """(label, href) of each active-filter chip."""
    html = response.content.decode()
    chips = re.findall(r'<a class="chip" href="([^"]*)">(.*?)</a>', html, re.S)
    return [
        (unescape(re.sub(r"<[^>]+>", "", text)).strip(), unescape(href)) for href, text in chips
    ]


def test_pages_load_the_site_fonts_served_from_the_site(client):
    html = client.get("/").content.decode()
    preload = re.search(r'<link rel="preload" href="([^"]+\.woff2)" as="font"', html)
    assert preload, "the text face is preloaded"
    with open(finders.find("css/site.css"), encoding="utf-8") as file:
        css = file.read()
    faces = re.findall(r'url\("\.\./fonts/([^"]+\.woff2)"\)', css)
    # Each face in two files: plain text and punctuation, then accented letters.
    assert len(faces) == 4 and css.count("unicode-range:") == 4 and "font-display: swap" in css
    for face in faces:
        font = finders.find(f"fonts/{face}")
        assert font, face
        with open(font, "rb") as file:
            assert file.read(4) == b"wOF2"
    assert finders.find("fonts/OFL-public-sans.txt")
    assert finders.find("fonts/OFL-source-serif-4.txt")


def test_deployed_stylesheet_is_minified_and_names_the_hashed_fonts():
    folder = Path(collected_static())
    manifest = json.loads((folder / "staticfiles.json").read_text())["paths"]
    served = (folder / manifest["css/site.css"]).read_text()
    with open(finders.find("css/site.css"), encoding="utf-8") as file:
        source = file.read()
    assert len(served) < 0.9 * len(source) and "/*" not in served and "\n" not in served.strip()
    for face in re.findall(r'url\("\.\./fonts/([^"]+)"\)', served):
        assert f"fonts/{face}" in manifest.values(), face  # hashed after minifying


def test_post_pdf_is_a_pdf_attachment_with_the_title(client):
    post = PostFactory(
        title="Grading for Learning in Vermont",
        body="<p>Report cards describe what students can do.</p>",
        series=SeriesFactory(title="Report Card Stories"),
        series_part=1,
        authors=[AuthorFactory(name="Maya Okafor")],
    )
    response = client.get(post.get_absolute_url() + "pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{post.slug}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Grading for Learning in Vermont" in text
    assert "report card stories · part 1 of 1" in text.lower() and "Maya Okafor" in text
    assert "Report cards describe what students can do." in text


def test_pdf_reads_no_outside_address_and_keeps_its_query_count(
    client, django_assert_max_num_queries
):
    post = PostFactory(
        body='<p>Before the picture.</p><img src="http://169.254.169.254/latest/x.png" alt="">'
        '<img src="/etc/passwd" alt=""><p>After the picture.</p>'
    )
    with django_assert_max_num_queries(8):
        response = client.get(post.get_absolute_url() + "pdf/")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "After the picture." in text


def test_pdf_of_an_unpublished_post_is_not_found(client, editor_client):
    draft = PostFactory(draft=True, title="Not yet")
    scheduled = PostFactory(scheduled=True)
    for post in (draft, scheduled):
        url = f"/blog/{post.created_at:%Y/%m/%d}/{post.slug}/pdf/"
        assert client.get(url).status_code == 404
    published = PostFactory()
    wrong_date = published.get_absolute_url().replace(f"/{published.date.year}/", "/1999/")
    assert client.get(wrong_date + "pdf/").status_code == 404


def test_post_page_links_to_pdf_share_and_author(client):
    author = AuthorFactory(name="Daniel Reyes", bio="Daniel teaches high-school science.")
    post = PostFactory(title="Choosing the Evidence", authors=[author])
    html = client.get(post.get_absolute_url()).content.decode()
    assert f'href="{post.get_absolute_url()}pdf/"' in html
    assert "https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2Ftestserver" in html
    assert 'href="mailto:?subject=Choosing%20the%20Evidence' in html
    assert "bsky.app/intent/compose" in html and "facebook.com/sharer" in html
    assert "<script" not in html
    box = re.search(r'<section class="author-box".*?</section>', html, re.S)[0]
    assert "Daniel teaches high-school science." in box
    assert f'href="{author.get_absolute_url()}"' in box


def test_filter_chips_each_remove_one_filter(client):
    k12 = SectionFactory()
    PostFactory(section=k12, tags=["grading", "equity"])
    response = client.get("/blog/?section=k-12&tag=grading&tag=equity&match=any&year=2020")
    chips = dict(chip_links(response))
    assert set(chips) == {
        "Remove filter Section: K-12×", "Remove filter Tag: grading×",
        "Remove filter Tag: equity×", "Remove filter Year: 2020×",
    }  # fmt: skip
    assert "Filters (4)" in response.content.decode()
    dropped_tag = chips["Remove filter Tag: grading×"]
    assert dropped_tag == "?section=k-12&tag=equity&year=2020"  # one tag left: no match
    assert chips["Remove filter Section: K-12×"] == ("?tag=grading&tag=equity&match=any&year=2020")
    assert client.get("/blog/" + dropped_tag).status_code == 200


def test_match_all_or_any_shows_once_a_second_tag_is_chosen(client):
    PostFactory(tags=["grading", "equity"])
    one = client.get("/blog/?tag=grading").content.decode()
    two = client.get("/blog/?tag=grading&tag=equity").content.decode()
    assert 'name="match"' not in one
    assert 'name="match"' in two
    assert "<summary>Filters</summary>" in client.get("/blog/").content.decode()


def test_year_filter_is_a_select(client):
    html = client.get("/blog/").content.decode()
    year = r'<select name="year" id="id_year">\s*<option value="" selected>Any year'
    assert re.search(year, html)


def test_library_and_policy_lists_show_filter_counts_and_chips(client):
    library = client.get("/library/?kind=report&year=2019")
    assert "Filters (2)" in library.content.decode()
    assert {label for label, _ in chip_links(library)} == {
        "Remove filter Kind: Report×", "Remove filter Year: 2019×",
    }  # fmt: skip
    policy = client.get("/policy/?kind=statute&map_year=2020")
    assert "Filters (1)" in policy.content.decode()
    [(label, href)] = chip_links(policy)
    assert label == "Remove filter Kind: Statute×" and href == "?map_year=2020"
    search = client.get("/search/?q=grading&type=post&tag=equity")
    assert "Filters (2)" in search.content.decode()
    assert dict(chip_links(search))["Remove filter Type: Blog post×"] == "?q=grading&tag=equity"


def test_series_is_named_once_and_related_posts_leave_out_its_parts(client):
    series = SeriesFactory(title="Redesigning Grading", planned_parts=3)
    first = PostFactory(series=series, series_part=1, tags=["grading"])
    second = PostFactory(series=series, series_part=2, tags=["grading"])
    outside = PostFactory(title="Grading Elsewhere", tags=["grading"])
    html = client.get(second.get_absolute_url()).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert main.count("Redesigning Grading") == 1
    assert "Part 2 of 3" in main
    related = re.search(r'<section class="related".*?</section>', html, re.S)[0]
    assert outside.title in related
    assert first.title not in related
    series_box = re.search(r'<nav class="series-box".*?</nav>', html, re.S)[0]
    assert first.title in series_box


def test_section_names_keep_k12_on_one_line(client):
    post = PostFactory(section=SectionFactory())
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<span class="nowrap">K-12</span>' in html


def test_cards_show_the_section_drawing_when_a_post_has_no_image(client):
    PostFactory(section=SectionFactory())
    html = client.get("/blog/").content.decode()
    assert re.search(r'<img class="card-image" src="/static/img/section-k-12\.[\w.]*svg"', html)


@pytest.mark.django_db
def test_seed_demo_draws_featured_images_and_portraits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    posts = list(Post.objects.filter(import_key__startswith="demo:"))
    assert posts and all(post.image for post in posts)
    assert all(post.image_alt for post in posts)
    covers = set()
    for post in posts:
        with post.image.open("rb") as image:
            covers.add(image.read())
    assert len(covers) == len(posts), "each post has its own drawing"
    assert all((tmp_path / post.image_card.name).exists() for post in posts[:2])
    # The drawings are media library items, filed as an editor's upload on the post form is.
    library = Image.objects.all()
    assert library.count() == len(posts)
    for post in posts:
        item = post.featured_image
        assert item is not None and post.image.name == item.file.name
        assert item.title == post.title and item.alt_text == post.image_alt and item.credit
        assert (tmp_path / item.thumbnail.name).exists()
    authors = Author.objects.exclude(photo="")
    assert authors.count() == Author.objects.count() >= 4
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing redrawn or added
    assert {post.image.name for post in Post.objects.filter(pk__in=[p.pk for p in posts])} == {
        post.image.name for post in posts
    }
    assert Image.objects.count() == len(posts)
