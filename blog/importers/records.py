"""What a parser hands to the loader: one record per post or page, in source order."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime


class ArchiveError(Exception):
    """A source that cannot be imported; the message says where and what is wrong."""

    def __init__(self, source, message, line=None):
        self.source, self.message, self.line = str(source), message, line
        where = f"{self.source}, line {line}" if line else self.source
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # crosses from the parsing process intact
        return ArchiveError, (self.source, self.message, self.line)


@dataclass
class SeriesRef:
    title: str
    key: str  # normalised name, so one series found in many posts and files is one Series
    part: int | None = None
    total: int | None = None
    # The name reads as a title (capitalised or quoted). A name that does not ("complex,
    # fundamental questions that …") makes a series only if other posts share it.
    titled: bool = True


@dataclass
class PostRecord:
    import_key: str
    title: str
    source: str  # "file, line N" or "file, item N", for messages and the report
    kind: str = "post"  # "post", or "page": a standing page of the site (About, Contact)
    body: str = ""  # HTML, sanitised again by the loader
    excerpt: str = ""
    published_at: datetime | None = None  # aware; None for drafts without a date
    date_inferred: bool = False
    status: str = "published"  # "published", "private" or "draft"
    pinned: bool = False
    section: str | None = None  # a Section slug, or None for the run's default
    authors: list[str] = field(default_factory=list)  # display names, in byline order
    tags: list[str] = field(default_factory=list)
    series: SeriesRef | None = None
    crosspost_source: str = ""
    crosspost_url: str = ""
    crosspost_date: date | None = None
    excerpt_only: bool = False
    image_alt: str = ""
    caption: str = ""
    credit: str = ""  # "Photo by …"
    image_url: str = ""  # featured image at the old site; the loader may fetch it
    slug: str = ""  # wanted slug (WordPress post_name); the loader keeps it unique
    old_paths: list[str] = field(default_factory=list)  # old addresses that should redirect
    old_link: str = ""  # the old permalink, for rewriting links between imported posts
    comment_count: int = 0  # comments in the source, approved or waiting (not spam or trash)
    approved_comment_count: int = 0
    warnings: list[str] = field(default_factory=list)
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)

    def digest(self):
        """Changes when anything the loader writes changes; equal digests mean unchanged.

        Computed once: by the reading process where there is one (see ready())."""
        if self._digest is None:
            data = {key: value for key, value in vars(self).items() if key not in VOLATILE}
            payload = json.dumps(data, sort_keys=True, default=_plain).encode()
            self._digest = hashlib.sha256(payload).hexdigest()
        return self._digest


VOLATILE = {
    "source",
    "warnings",
    "comment_count",
    "approved_comment_count",
    "_digest",
}  # reported, not written to the post


def ready(item):
    """A record as the loader takes it: keys fitted to their columns and the digest made.

    Done as each record is read, so with a WordPress file it is the reading process's work:
    the digest was a twentieth of the writing process's time."""
    if isinstance(item, PostRecord):
        fit_keys(item)
        item.digest()
    return item


def fit_keys(record):
    """Import keys as their columns (255 characters) hold them: a longer one ends in a hash of
    the whole, so it stays unique and a re-run finds the same row."""
    record.import_key = fitted_key(record.import_key)
    if record.series:
        record.series.key = fitted_key(record.series.key)


def fitted_key(key, limit=255):
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def _plain(value):
    return vars(value) if isinstance(value, SeriesRef) else value.isoformat()


@dataclass
class SkippedItem:
    source: str
    title: str
    reason: str
