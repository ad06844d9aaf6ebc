"""Images of imported posts, downloaded from the old site and stored as the site's own.

The site's pages load images only from the site itself (its Content-Security-Policy), so
an imported post that still points at the old site shows broken images. For each batch the
loader hands over its posts: `store` finds their image addresses (the featured image and
every ``<img src>`` of the body, relative ones resolved against the post's old address) and
downloads the ones not stored yet; `apply` then points each post at the stored copies and
notes which images still point elsewhere, and why, for the report.

`ImportedMedia` maps each old address to its stored file, so an image is downloaded once
however many posts show it and however often the archive is imported. Each downloaded image
is also a media library item (one per old address), which becomes the featured image of the
posts that show it there.

Downloads use the link checker's client (`wiki.links`): it connects only to public
addresses, plus the networks in LINK_CHECK_ALLOWED_NETWORKS. A few run at a time, each with
a timeout, a byte cap (IMAGE_MAX_BYTES) enforced while the body streams in, and two retries
with backoff when the server cannot be reached or answers 5xx. The bytes pass the same
checks as an upload and are stored re-encoded without metadata, as uploads are. An image
that cannot be had keeps its old address and is reported; the import goes on.

`fetch` is True (download), False (never), or None: download when the old site answers a
first request, asked once per site.
"""

import html
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image as PillowImage

from blog.models import ImportedMedia
from competencyworks.images import cleaned, renditions, validate_image_upload
from medialibrary.models import Image, title_from_name
from wiki.links import Unchecked, describe_failure, make_client

WORKERS = 4
TIMEOUT = 10.0  # seconds per connect or read
PROBE_TIMEOUT = 5.0
DOWNLOAD_SECONDS = 60  # a server that trickles bytes is cut off after this long
RETRIES = 2
BACKOFF = 0.5  # seconds before the first retry, doubled before the next
MAX_URL_BYTES = 2000  # ImportedMedia.source_url, and what a database index entry can hold
# Raw bytes only: a compressed body could expand past the byte cap after it was counted.
HEADERS = {"User-Agent": "CompetencyWorks archive importer", "Accept-Encoding": "identity"}
IMPORTED_PREFIX = ImportedMedia._meta.get_field("file").upload_to.split("%", 1)[0]
# Sanitised HTML double-quotes every attribute; a quoted value may hold a ">".
IMG_SRC = re.compile(r'(<img\s(?:[^>"]|"[^"]*")*?\bsrc=")([^"]*)"', re.I)

OFF = "not downloaded: images are off for this import"


class MediaImporter:
    def __init__(self, fetch=None, *, allowed_networks=()):
        self.fetch = fetch
        self.allowed_networks = allowed_networks
        self.sites = {}  # old site (scheme://host) -> "" if it answered, else why not
        self.found = {}  # this batch: old address -> stored file name
        self.failed = {}  # this batch: old address -> why it was not stored
        self.library = {}  # this batch: old address -> its media library item's id
        self.outcomes = {}  # id(post) -> its images for the report, until it is reported
        self.written = []  # storage names written by this run, removed if it is undone
        self.counts = Counter()
        self.client = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if self.client is not None:
            self.client.close()
        if error is not None:
            self.discard()

    def discard(self):
        """Remove every file this run wrote: its database rows were rolled back."""
        for name in self.written:
            default_storage.delete(name)
        self.written = []

    # Downloading.

    def store(self, posts):
        """Find stored copies of the images of these (post, old address) pairs, downloading
        the missing ones where images are on."""
        sites = {}  # address -> the old site whose answer decides whether to download it
        for post, base in posts:
            for url in image_urls(post, base):
                if not self.unusable(url):
                    sites[url] = site_of(base or url)
        found = ImportedMedia.objects.filter(source_url__in=sites)
        self.found = dict(found.values_list("source_url", "file"))
        self.failed = {}
        missing = [
            url for url, site in sites.items() if url not in self.found and self.fetching(site)
        ]
        self.library = {}
        if missing:
            self.download_all(missing)
        if self.found:
            in_library = Image.objects.filter(source_url__in=self.found)
            self.library = dict(in_library.values_list("source_url", "pk"))

    def download_all(self, missing):
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(missing))) as pool:
            results = list(pool.map(self.download, missing))
        new, library = [], []
        for url, name, failure, size in results:
            if failure:
                self.failed[url] = failure
            else:
                self.found[url] = name
                new.append(ImportedMedia(source_url=url, file=name))
                width, height = size
                title = title_from_name(name)
                library.append(
                    Image(source_url=url, file=name, title=title, width=width, height=height)
                )
        ImportedMedia.objects.bulk_create(new)
        Image.objects.bulk_create(library)
        self.counts["images_stored"] += len(new)
        self.counts["images_failed"] += len(self.failed)

    def fetching(self, site):
        if self.fetch is not None:
            return self.fetch
        if site not in self.sites:
            self.sites[site] = self.probe(site)
        return not self.sites[site]

    def probe(self, site):
        """ "" when the old site answers at all (any status), else why it did not."""
        try:
            self.http().head(f"{site}/", headers=HEADERS, timeout=PROBE_TIMEOUT).close()
        except (httpx.HTTPError, httpx.InvalidURL, Unchecked) as error:
            return describe_failure(error, self.http())
        return ""

    def download(self, url):
        """(url, stored name, "", (width, height)) or (url, None, why it was not stored, None);
        runs in a thread."""
        try:
            data = self.fetch_bytes(url)
            upload = ContentFile(data, name=file_name(url))
            validate_image_upload(upload)
        except ValidationError as error:
            return url, None, " ".join(error.messages), None
        except (httpx.HTTPError, httpx.InvalidURL, Unchecked) as error:
            return url, None, describe_failure(error, self.http()), None
        name, content = cleaned(upload.name, upload)
        with PillowImage.open(content) as image:
            size = image.size
        content.seek(0)
        path = ImportedMedia._meta.get_field("file").generate_filename(None, name)
        stored = default_storage.save(path, content, max_length=255)
        self.written.append(stored)
        return url, stored, "", size

    def fetch_bytes(self, url):
        for retry in range(RETRIES + 1):
            try:
                with self.http().stream(
                    "GET", url, headers=HEADERS, follow_redirects=True
                ) as response:
                    if response.status_code < 500 or retry == RETRIES:
                        return image_body(response)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if retry == RETRIES:
                    raise
            time.sleep(BACKOFF * 2**retry)

    def http(self):
        if self.client is None:
            self.client = make_client(
                timeout=TIMEOUT, max_connections=WORKERS, allowed_networks=self.allowed_networks
            )
        return self.client

    def unusable(self, url):
        """Why an address cannot be downloaded at all, or ""."""
        if urlsplit(url).scheme not in ("http", "https"):
            return "not a web address (a relative address on an unknown site)"
        if len(url.encode()) > MAX_URL_BYTES:
            return f"the address is longer than {MAX_URL_BYTES} bytes"
        return ""

    # Pointing posts at the stored copies.

    def apply(self, post, base):
        """Point the post's images at stored copies; True if that changed the post."""
        stored, elsewhere = [], []
        changed = False

        def replace(match):
            if is_own(match[2]):
                return match[0]
            url = absolute(match[2], base)
            if name := self.found.get(url):
                stored.append(url)
                return f'{match[1]}{html.escape(default_storage.url(name))}"'
            elsewhere.append({"url": url, "reason": self.why_not(url, base)})
            return match[0]

        body = IMG_SRC.sub(replace, post.body)
        if body != post.body:
            post.body, changed = body, True
        if url := featured_url(post, base):
            if name := self.found.get(url):
                stored.append(url)
                if post.image.name != name:
                    post.image = name
                    post.featured_image_id = self.library.get(url)
                    self.make_renditions(post)
                    changed = True
            elif not post.image:
                elsewhere.append({"url": url, "reason": self.why_not(url, base)})
        self.outcomes[id(post)] = {"stored": stored, "elsewhere": elsewhere}
        self.counts["images_elsewhere"] += len(elsewhere)
        self.counts["posts_with_images_elsewhere"] += bool(elsewhere)
        return changed

    def why_not(self, url, base):
        if reason := self.failed.get(url) or self.unusable(url):
            return reason
        if self.fetch is None and (reason := self.sites.get(site_of(base or url))):
            return f"not downloaded: the old site did not answer ({reason})"
        return OFF

    def make_renditions(self, post):
        for rendition in renditions(post.image):
            if not rendition.storage.exists(rendition.name):
                rendition.generate(force=True)
                self.written.append(rendition.name)

    def report(self, post):
        """The post's images for the report: stored, and still pointing elsewhere."""
        return self.outcomes.pop(id(post), {"stored": [], "elsewhere": []})

    def status(self):
        """Whether images were downloaded, for the summary."""
        if self.fetch is not None:
            return "on" if self.fetch else "off"
        silent = {site: reason for site, reason in self.sites.items() if reason}
        if not silent:
            return "on"
        notes = "; ".join(f"{site} did not answer ({reason})" for site, reason in silent.items())
        return f"off: {notes}"

    def summary(self):
        return {
            "media": self.status(),
            **{
                name: self.counts[name]
                for name in (
                    "images_stored",
                    "images_failed",
                    "images_elsewhere",
                    "posts_with_images_elsewhere",
                )
            },
        }


def image_urls(post, base):
    """Absolute old addresses of the post's images that are not stored copies yet."""
    if url := featured_url(post, base):
        yield url
    for match in IMG_SRC.finditer(post.body):
        if not is_own(match[2]):
            yield absolute(match[2], base)


def featured_url(post, base):
    """The featured image's old address, unless an editor has given the post another image."""
    if post.image_source_url and (not post.image or post.image.name.startswith(IMPORTED_PREFIX)):
        return absolute(post.image_source_url, base)
    return ""


def absolute(src, base):
    src = html.unescape(src).strip()
    return urljoin(base, src) if base else src


def is_own(src):
    return src.startswith(settings.MEDIA_URL)


def site_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def file_name(url):
    return PurePosixPath(unquote(urlsplit(url).path)).name[-100:] or "image"


def image_body(response):
    """The body of a 200 answer, within the byte and time limits."""
    if response.status_code != 200:
        raise Unchecked(f"HTTP {response.status_code} {response.reason_phrase}")
    limit = settings.IMAGE_MAX_BYTES
    too_large = f"the image is larger than the {filesizeformat(limit)} limit"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Unchecked(too_large)
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    data = bytearray()
    for chunk in response.iter_raw():
        data += chunk
        if len(data) > limit:
            raise Unchecked(too_large)
        if time.monotonic() > deadline:
            raise Unchecked(f"the download took longer than {DOWNLOAD_SECONDS} s")
    return bytes(data)
