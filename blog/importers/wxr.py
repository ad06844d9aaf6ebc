"""Reading WordPress WXR exports (versions 1.0 to 1.2) into post records.

The file is streamed twice through defusedxml's parser, its events handled directly (no
element tree is built); memory stays flat however big the export is, because each ``<item>``
is kept only until it has been read:

1. the first pass checks that the whole file is a readable WordPress export and collects the
   small maps the items refer to: author logins -> display names, category nicenames ->
   (name, parent nicename) and attachments (post id -> URL, alt text, caption), keeping no
   other text;
2. the second pass yields one ``PostRecord`` per post or page (its ``kind`` says which) or
   one ``SkippedItem`` per menu item, revision and so on, in source order. Attachments are
   counted, not yielded.

Because the first pass reads everything, a broken file raises ``ArchiveError`` before any
record is yielded. As in WordPress's importer, the file must say its ``wp:wxr_version``
(1.0 to 1.2), and the ``wp:`` namespace is whatever the document binds it to; control
characters WordPress wrote from posts are replaced by spaces, and CDATA holding "]]>" is
read leniently, each with a warning on the first post. DOCTYPEs are refused outright (as
the WordPress importer does), which stops entity bombs and external entities before
anything is expanded or fetched. Files declared in an encoding other than UTF-8 are
transcoded to UTF-8 on the fly; a file whose bytes do not match its declared encoding is
refused with the line of the first bad byte.

Posts and pages (the site's own pages) are imported. Bodies go through ``autop``
(WordPress's ``wpautop``, simplified) unless they are block-editor content, ``[caption]``
shortcodes become ``<figure>`` elements, other shortcodes are left as text with a warning;
downloading images is the loader's job.

    wxr = WxrFile("export.xml", time_zone="America/New_York")
    for record in wxr.records():
        ...
    wxr.stats  # {"items": 120, "posts": 97, "pages": 5, "attachments": 14, ...}
"""

import codecs
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError, TreeBuilder
from xml.parsers import expat
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.text import slugify

from blog.importers.records import ArchiveError, PostRecord, SkippedItem
from competencyworks.html import plain_text
from competencyworks.text import NOT_XML

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
# The namespaces WordPress and WordPress.com have written, over http or https. A document may
# also bind the wp: or excerpt: prefix to another address; those are learnt as it is read.
_WP_NS = re.compile(r"https?://(?:[\w-]+\.)*wordpress\.(?:org|com)/export/\d+\.\d+/")
_EXCERPT_NS = re.compile(r"https?://(?:[\w-]+\.)*wordpress\.(?:org|com)/export/\d+\.\d+/excerpt/")
# WordPress's importer reads versions that look like "1.2" up to the newest it writes.
_WXR_VERSION = re.compile(r"\d+\.\d+")
NEWEST_WXR = (1, 2)

# Categories that are sections of the site rather than tags: nicename or name -> Section slug.
SECTIONS_BY_NICENAME = {"k-12": "k-12", "higher-education": "higher-education"}
SECTIONS_BY_NAME = {"k-12": "k-12", "higher education": "higher-education"}
# WordPress's default category says nothing about a post, so it does not become a tag.
IGNORED_CATEGORIES = {"uncategorized"}

STATUSES = {
    "publish": "published",
    "future": "published",
    "private": "private",
    "draft": "draft",
    "pending": "draft",
}
STAT_KEYS = (
    "items", "posts", "pages", "attachments", "comments", "comments_approved", "skipped",
    "characters_replaced",
)  # fmt: skip

_CHUNK = 64 * 1024
_ZERO_DATE = "0000-00-00 00:00:00"
_PLAIN_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.ASCII)


class WxrFile:
    """One WXR export. ``records()`` yields its posts; ``stats`` is filled in as it goes."""

    def __init__(self, path, time_zone):
        self.path = Path(path)
        self.name = self.path.name
        try:
            self.zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        self.stats = dict.fromkeys(STAT_KEYS, 0)
        self.wxr_version = ""  # from <wp:wxr_version>
        self.site = ""  # host and path of the site's address, the first part of import keys
        self.names = _Names()
        self.notes = []  # warnings about the whole file, given with its first post
        self.repair_cdata = False  # set when the file needs WordPress's lenient CDATA reading
        self.authors = {}  # login -> display name
        self.categories = {}  # nicename -> (name, parent nicename)
        self.attachments = {}  # post id -> (url, alt, caption)

    def records(self) -> Iterator[PostRecord | SkippedItem]:
        self.stats.update(dict.fromkeys(STAT_KEYS, 0))
        self._collect()
        notes = self.notes
        for number, (item, line) in enumerate(self._walk(_Reader(self, items=True).scan), 1):
            self.stats["items"] += 1
            source = f"{self.name}, line {line}" if line else f"{self.name}, item {number}"
            result = self._item(item, source)
            if notes and isinstance(result, PostRecord):
                result.warnings[:0] = notes
                notes = []
            if result is not None:
                yield result

    # First pass: the maps items refer to.

    def _collect(self):
        try:
            self._read_maps()
        except _BadToken:
            # WordPress's importer falls back to a lenient reader for exports whose CDATA
            # holds "]]>"; reading them the same way is tried once, before giving up.
            self.repair_cdata = True
            self._read_maps()
        stream = self._stream
        if stream.cdata_repairs:
            self.notes.append(
                f'{stream.cdata_repairs} CDATA section(s) hold "]]>", which XML does not '
                "allow; they were read as WordPress reads them"
            )
        if stream.replaced:
            self.notes.append(
                f"{stream.replaced} character(s) that XML does not allow (control characters) "
                "were replaced by spaces, first on line "
                + ", ".join(map(str, stream.replaced_lines))
            )
        self.stats["characters_replaced"] = stream.replaced

    def _read_maps(self):
        self.authors, self.categories, self.attachments = {}, {}, {}
        self.wxr_version, self.notes = "", []
        reader = _Reader(self, items=False)
        for _ in self._walk(reader.scan):
            pass
        self._check_version()
        self.site = self._site(reader.addresses)

    def _channel_child(self, prefix, local, text, fields, addresses):
        """A child of <channel> other than an item, read by the first pass."""
        if prefix == "wp":
            if local == "author":
                login = fields.get("author_login", "").strip()
                name = html.unescape(fields.get("author_display_name", "")).strip()
                self.authors[login] = name or login
            elif local == "category":
                self._category(
                    fields.get("category_nicename"),
                    fields.get("cat_name"),
                    fields.get("category_parent"),
                )
            elif local == "term" and fields.get("term_taxonomy") == "category":
                self._category(
                    fields.get("term_slug"), fields.get("term_name"), fields.get("term_parent")
                )
            elif local in ("base_site_url", "base_blog_url"):
                addresses[local] = text.strip()
            elif local == "wxr_version":
                self.wxr_version = text.strip()
        elif prefix == "" and local in ("link", "title"):
            addresses.setdefault(local, text.strip())

    def _attachment(self, item):
        """An attachment item, read by the first pass: what featured images refer to."""
        url = (item.get("wp:attachment_url") or item.get("guid")).strip()
        alt = html.unescape(item.meta.get("_wp_attachment_image_alt", ""))
        caption = plain_text(item.get("excerpt:encoded"))
        self.attachments[item.get("wp:post_id").strip()] = (url, alt.strip(), caption)

    def _check_version(self):
        """Refuse what WordPress's importer refuses, for the same reason."""
        version = self.wxr_version
        if not _WXR_VERSION.fullmatch(version):
            found = f"it says {version!r}" if version else "it has no <wp:wxr_version>"
            raise ArchiveError(
                self.path,
                "not a WordPress export (WXR) file: missing/invalid WXR version number "
                f"({found}); is it an ordinary RSS feed? Export the site from Tools > Export "
                "in WordPress",
            )
        if tuple(map(int, version.split("."))) > NEWEST_WXR:
            raise ArchiveError(
                self.path,
                f"WXR version {version} is newer than the versions WordPress's importer reads "
                "(1.0 to 1.2)",
            )

    def _site(self, addresses):
        """Host and path naming the site, for import keys.

        The site address, unless the blog lives on another host (every WordPress.com blog
        says its site is wordpress.com); then the channel's link; failing all of them, the
        site's title, with a warning."""
        site = urlsplit(addresses.get("base_site_url", ""))
        blog = urlsplit(addresses.get("base_blog_url", ""))
        if blog.netloc and blog.netloc.lower() != site.netloc.lower():
            site = blog
        if not site.netloc:
            site = urlsplit(addresses.get("link", ""))
        if site.netloc:
            return site.netloc.lower() + site.path.rstrip("/")
        title = addresses.get("title", "")
        self.notes.append(
            f"the export names no site address; its posts are keyed by the site title {title!r}"
        )
        return f"title:{slugify(title, allow_unicode=True)}"

    def _category(self, nicename, name, parent):
        if nicename:
            self.categories[nicename.strip()] = (
                html.unescape(name or "").strip() or nicename,
                (parent or "").strip(),
            )

    # Second pass: one record per item.

    def _item(self, item, source):
        post_type = item.get("wp:post_type").strip() or None
        title = html.unescape(item.get("title")).strip()
        if post_type == "attachment":
            self.stats["attachments"] += 1
            return None
        if post_type not in ("post", "page", None):  # an item without a type is a post
            self.stats["skipped"] += 1
            reason = f"{post_type} (only posts and pages are imported)"
            return SkippedItem(source, title or "(untitled)", reason)
        post_id = item.get("wp:post_id").strip()
        if not post_id:
            self.stats["skipped"] += 1
            return SkippedItem(source, title or "(untitled)", "post without a wp:post_id")
        kind = "page" if post_type == "page" else "post"
        self.stats[f"{kind}s"] += 1
        record = PostRecord(
            import_key=f"wxr:{self.site}:{post_id}", title=title, source=source, kind=kind
        )
        warn = record.warnings.append
        if not title:
            record.title = "(untitled)"
            warn("the post has no title; imported as (untitled)")
        if post_type is None:
            warn("no wp:post_type; imported as a post, as WordPress does")
        record.slug = unquote(item.get("wp:post_name").strip())
        self._status(record, item)
        self._date(record, item)
        record.pinned = item.get("wp:is_sticky").strip() == "1"
        login = item.get("dc:creator").strip()
        if login:
            record.authors = [self.authors.get(login) or login]
        self._terms(record, item)
        record.body, teaser, body_warnings = convert_body(item.get("content:encoded"))
        record.warnings.extend(body_warnings)
        excerpt = item.get("excerpt:encoded")
        if excerpt.strip():
            record.excerpt = plain_text(excerpt)
        elif teaser is not None:
            record.excerpt = plain_text(strip_shortcodes(teaser))
        self._featured_image(record, item)
        record.old_link = item.get("link").strip()
        record.old_paths = old_paths(record.old_link, record.slug, item.old_slugs)
        earlier = {unquote(slug) for slug in item.old_slugs} - {"", record.slug}
        if earlier and len(record.old_paths) < 2:
            warn("earlier slugs not redirected: the old permalink does not end in the slug")
        if record.status == "published":  # drafts often lack both; WordPress adds them later
            if not record.slug:
                warn("no wp:post_name; the slug was made from the title")
            if not record.old_link:
                warn("no permalink (link) in the export; the old address cannot redirect")
        record.comment_count, record.approved_comment_count = item.comments, item.approved
        self.stats["comments"] += item.comments
        self.stats["comments_approved"] += item.approved
        return record

    def _status(self, record, item):
        status = item.get("wp:status").strip()
        record.status = STATUSES.get(status, "draft")
        if status not in STATUSES:
            record.warnings.append(f"WordPress status {status or '(none)'!r}; imported as a draft")
        if item.get("wp:post_password"):
            record.status = "draft"
            record.warnings.append("was password-protected; imported as a draft")

    def _date(self, record, item):
        gmt = item.get("wp:post_date_gmt").strip()
        local = item.get("wp:post_date").strip()
        if gmt and gmt != _ZERO_DATE:
            value, zone = gmt, UTC
        elif local and local != _ZERO_DATE:
            value, zone = local, self.zone
            if "wp:post_date_gmt" not in item.fields:  # a zero GMT date is normal for drafts
                record.warnings.append(f"no wp:post_date_gmt; wp:post_date read as {self.zone}")
        else:
            if record.status == "published":
                record.warnings.append("no publication date in the export")
            return
        try:
            if _PLAIN_DATE.fullmatch(value):  # as WordPress writes them: the quick way
                parsed = datetime.fromisoformat(value)
            else:
                parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            record.published_at = parsed.replace(tzinfo=zone)
        except ValueError:
            record.warnings.append(f"unreadable date {value!r}")

    def _terms(self, record, item):
        tags, seen = [], set()

        def add(name):
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                tags.append(name)

        def use_category(nicename, name):
            section = SECTIONS_BY_NICENAME.get(nicename) or SECTIONS_BY_NAME.get(name.casefold())
            if section and record.section in (None, section):
                record.section = section
            elif section:
                record.warnings.append(f"also in section {section!r}; kept {record.section!r}")
            elif nicename not in IGNORED_CATEGORIES and name.casefold() not in IGNORED_CATEGORIES:
                add(name)

        for domain, nicename, text in item.terms:
            name = html.unescape(text).strip()
            if domain in ("post_tag", "tag"):
                add(name)
            elif domain in ("category", ""):  # WXR 1.0 also lists categories without a domain
                nicename = nicename or self._nicename(name)
                use_category(nicename, name)
                for ancestor, ancestor_name in self._ancestors(nicename):
                    use_category(ancestor, ancestor_name)
        record.tags = tags

    def _nicename(self, name):
        for nicename, (known, _parent) in self.categories.items():
            if known.casefold() == name.casefold():
                return nicename
        return slugify(name)

    def _ancestors(self, nicename):
        seen = {nicename}
        parent = self.categories.get(nicename, ("", ""))[1]
        while parent and parent not in seen:
            seen.add(parent)
            name, grandparent = self.categories.get(parent, (parent, ""))
            yield parent, name
            parent = grandparent

    def _featured_image(self, record, item):
        thumbnail = item.meta.get("_thumbnail_id", "").strip()
        if not thumbnail:
            return
        if thumbnail not in self.attachments:
            record.warnings.append(f"featured image (attachment {thumbnail}) is not in the export")
            return
        record.image_url, record.image_alt, record.caption = self.attachments[thumbnail]

    # Streaming.

    def _walk(self, read):
        """Run the generator `read(raw)` over the open file, turning read errors into
        ArchiveError (as `read` does for anything that is not a well-formed, safely parseable
        RSS file)."""
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 - closed below, after streaming
        except OSError as exc:
            raise ArchiveError(self.path, f"cannot be read: {exc.strerror}") from None
        with raw:
            try:
                yield from read(raw)
            except OSError as exc:  # a disk or network error part way through
                raise ArchiveError(self.path, f"cannot be read: {exc.strerror or exc}") from None

    def _refusal(self, exc, parser, stream, had_root):
        """The ArchiveError for a parse that failed with `exc`."""
        if isinstance(exc, ParseError):
            if getattr(exc, "code", None) == _INVALID_TOKEN and not self.repair_cdata:
                return _BadToken(self.path, str(exc))
            return self._parse_error(exc, stream, had_root)
        if isinstance(exc, DTDForbidden):
            return ArchiveError(
                self.path,
                "the file has a DOCTYPE declaration, which WordPress exports never have; "
                "it was refused because a DOCTYPE can define entities that expand "
                "enormously or read other files",
                _line(parser),
            )
        return ArchiveError(self.path, "the file declares or refers to XML entities", _line(parser))

    def _not_rss(self, tag):
        return ArchiveError(
            self.path,
            f"not a WordPress export: the document is <{self.names(tag)[1]}>, not an RSS "
            "(WXR) file",
        )

    def _parse_error(self, exc, stream, had_root):
        line, column = getattr(exc, "position", (None, 0))
        reason = expat.ErrorString(exc.code) if getattr(exc, "code", None) else str(exc)
        if stream.size == 0:
            return ArchiveError(self.path, "the file is empty", line)
        if stream.eof and not had_root:
            return ArchiveError(self.path, "the file contains no XML elements", line)
        if stream.eof:
            return ArchiveError(
                self.path,
                f"the file ends before the XML is complete ({reason}); "
                "it may have been cut short while exporting or downloading",
                line,
            )
        explained = _EXPLAINED_ERRORS.get(reason, reason)
        return ArchiveError(self.path, f"malformed XML at column {column + 1}: {explained}", line)


_EXPLAINED_ERRORS = {
    expat.errors.XML_ERROR_TAG_MISMATCH: "an end tag does not match the element it closes",
    expat.errors.XML_ERROR_INVALID_TOKEN: "not well-formed (a character or markup that is not "
    "allowed here, such as a bare < or &)",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: "undefined entity (HTML entities such as &nbsp; "
    "are only allowed inside CDATA sections)",
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "there is more after the end of the document",
}


def parse_wxr(path, *, time_zone: str) -> Iterator[PostRecord | SkippedItem]:
    """Posts of a WXR file as PostRecord, other items as SkippedItem, in source order."""
    return WxrFile(path, time_zone=time_zone).records()


class _BadToken(ArchiveError):
    """Expat met markup it refuses; the file may be one WordPress reads leniently."""


# Comments WordPress itself does not count ("0" is waiting for approval, "1" approved).
_NOT_COMMENTS = {"spam", "trash", "post-trashed"}
_INVALID_TOKEN = expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]


# What the first pass keeps of an item's children: enough to describe an attachment.
_ATTACHMENT_FIELDS = {
    ("wp", "post_type"), ("wp", "attachment_url"), ("", "guid"), ("excerpt", "encoded"),
    ("wp", "post_id"), ("wp", "postmeta"),
}  # fmt: skip
# Children of an item whose own children are read as fields.
_NESTED = {("wp", "postmeta"), ("wp", "comment")}


class _Reader:
    """One pass over the file: expat's events handled directly, building no element tree.

    The first pass (`items=False`) reads the channel's other children and the attachments,
    keeping no other text; the second (`items=True`) yields (_Item, line) for each item of
    the channel, in order. Both check the same things: the document is <rss> with a
    <channel>; wp: and excerpt: are whatever <rss> binds them to; no DOCTYPE or entities
    (defusedxml's handlers stay on the parser).
    """

    def __init__(self, wxr, items):
        self.wxr, self.names, self.items = wxr, wxr.names, items
        self.addresses = {}  # base_site_url, base_blog_url, link, title -> text
        self.depth, self.root, self.parent, self.channels = 0, None, None, 0
        self.child = None  # (prefix, local) of the channel child being read, or "item"
        self.item, self.line, self.ready = None, None, []  # ready: [(item, line)] to yield
        # The item's child being read, whether its text is kept, its attributes.
        self.field, self.kept, self.category = None, False, None
        self.collecting = []  # [(depth, [text, …])] of the elements whose text is kept
        self.fields, self.nested = {}, {}  # children of a channel child, of a postmeta/comment

    def scan(self, raw):
        """Read the file, yielding what is ready after each chunk; ArchiveError if it fails."""
        wxr = self.wxr
        stream = wxr._stream = _Utf8Stream(raw, wxr.path, repair_cdata=wxr.repair_cdata)
        parser = DefusedXMLParser(
            target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self.expat = handlers = parser.parser  # its DTD and entity handlers stay defusedxml's
        handlers.StartElementHandler, handlers.EndElementHandler = self.start, self.end
        handlers.CharacterDataHandler = self.data
        handlers.StartNamespaceDeclHandler = self.start_ns
        handlers.CommentHandler = handlers.ProcessingInstructionHandler = None
        try:
            while data := stream.read():
                parser.feed(data)
                yield from self.take()
            try:
                handlers.Parse(b"", True)
            except expat.ExpatError as exc:
                parser._raiseerror(exc)  # the ParseError feed() raises
        except (ParseError, DefusedXmlException) as exc:
            error = wxr._refusal(exc, parser, stream, self.root is not None)
            yield from self.take()  # the items before the error, as a stream reader gives
            raise error from None
        yield from self.take()
        if self.channels == 0:
            raise ArchiveError(wxr.path, "not a WordPress export: the RSS has no <channel>")

    def take(self):
        ready, self.ready = self.ready, []
        return ready

    def start_ns(self, prefix, uri):
        if self.depth == 0 and prefix in ("wp", "excerpt"):  # declared on <rss>
            self.names.declare(uri, prefix)

    def start(self, tag, attributes):
        self.depth += 1
        depth = self.depth
        if "}" in tag:
            tag = "{" + tag
        if depth == 1:
            self.root = tag
            if tag != "rss":
                raise self.wxr._not_rss(tag)
        elif depth == 2:
            self.parent = tag
            self.channels += tag == "channel"
        elif depth == 3:
            if tag.endswith("}wxr_version"):
                self.names.declare(tag[1:].partition("}")[0], "wp")
            if tag == "item":
                self.line = self.expat.CurrentLineNumber
            if self.parent != "channel":
                self.child = None
            elif tag == "item":
                self.child, self.item = "item", _Item()
            elif not self.items:
                self.child, self.fields = self.names(tag), {}
                self.collecting.append((depth, []))
            else:
                self.child = None
        elif self.child == "item":
            if depth == 4:
                self.field = self.names(tag)
                self.kept = self.items or self.field in _ATTACHMENT_FIELDS
                if self.kept:
                    self.nested = {}
                    self.collecting.append((depth, []))
                if self.field == ("", "category"):
                    self.category = dict(zip(attributes[::2], attributes[1::2], strict=True))
            elif depth == 5 and self.kept and self.field in _NESTED:
                self.collecting.append((depth, []))
        elif self.child is not None and depth == 4:
            self.collecting.append((depth, []))

    def data(self, text):
        if self.collecting:
            self.collecting[-1][1].append(text)

    def end(self, tag):
        depth = self.depth
        self.depth -= 1
        if self.collecting and self.collecting[-1][0] == depth:
            text = "".join(self.collecting.pop()[1])
            if self.collecting:
                self.collecting[-1][1].append(text)  # an element's text includes its children's
            self.ended(depth, tag, text)
        elif depth == 3 and self.child == "item":
            item, self.item, self.child = self.item, None, None
            if self.items:
                self.ready.append((item, self.line))
            elif item.get("wp:post_type").strip() == "attachment":
                self.wxr._attachment(item)

    def ended(self, depth, tag, text):
        """A kept element ended with `text` (all the text inside it)."""
        if depth == 3:  # a channel child other than an item
            prefix, local = self.child
            self.wxr._channel_child(prefix, local, text, self.fields, self.addresses)
            self.child = None
        elif self.child != "item":
            self.fields[self.local(tag)] = text
        elif depth == 5:  # e.g. wp:meta_key of a wp:postmeta
            self.nested[self.local(tag)] = text
        else:
            self.item.add(self.field, text, self.nested, self.category)

    def local(self, tag):
        return self.names("{" + tag if "}" in tag else tag)[1]


class _Item:
    """The fields of one <item>, as the reader found them."""

    __slots__ = ("approved", "comments", "fields", "meta", "old_slugs", "terms")

    def __init__(self):
        self.fields, self.meta, self.old_slugs, self.terms = {}, {}, [], []
        self.comments = self.approved = 0

    def add(self, name, text, nested, attributes):
        """A child of the item: `name` (prefix, local), its text, the texts of its children
        by local name, and its attributes (for a category)."""
        prefix, local = name
        if name == ("wp", "postmeta"):
            key, value = nested.get("meta_key", ""), nested.get("meta_value", "")
            if key == "_wp_old_slug":
                self.old_slugs.append(value.strip())
            self.meta.setdefault(key, value)
        elif name == ("wp", "comment"):
            state = nested.get("comment_approved", "").strip()
            self.comments += state not in _NOT_COMMENTS
            self.approved += state == "1"
        elif name == ("", "category"):
            self.terms.append((attributes.get("domain", ""), attributes.get("nicename", ""), text))
        else:
            self.fields.setdefault(f"{prefix}:{local}" if prefix else local, text)

    def get(self, key):
        return self.fields.get(key, "")


class _Names:
    """Expanded tag -> ("wp" | "excerpt" | "content" | "dc" | "" | "other", local name).

    Known namespaces are recognised by address; `declare` adds the addresses a document binds
    to wp: or excerpt: itself, as WordPress's importer takes whatever its root declares."""

    def __init__(self):
        self.declared = {}  # namespace address -> "wp" or "excerpt"
        self.cache = {}

    def declare(self, uri, prefix):
        if uri and self.declared.get(uri) != prefix and self.kind(uri) == "other":
            self.declared[uri] = prefix
            self.cache.clear()

    def kind(self, uri):
        if uri == CONTENT_NS:
            return "content"
        if uri == DC_NS:
            return "dc"
        if _WP_NS.fullmatch(uri):
            return "wp"
        if _EXCERPT_NS.fullmatch(uri):
            return "excerpt"
        return self.declared.get(uri, "other")

    def __call__(self, tag):
        try:
            return self.cache[tag]
        except KeyError:
            pass
        if tag.startswith("{"):
            uri, _, local = tag[1:].partition("}")
            split = self.kind(uri), local
        else:
            split = "", tag
        if len(self.cache) < 4096:  # a hostile file cannot grow it without bound
            self.cache[tag] = split
        return split


def _line(parser):
    try:
        return parser.parser.CurrentLineNumber
    except AttributeError:
        return None


_DECLARED_ENCODING = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*([\"'])([A-Za-z][\w.:-]*)\1")
_DECLARATION = re.compile(r"\A(<\?xml\s[^>]*?\bencoding\s*=\s*)([\"'])[^\"']*\2")


class _Utf8Stream:
    """A binary file read as UTF-8 and checked as it goes, for the XML parser.

    A file in UTF-8 (declared or by default) or US-ASCII is passed through after its bytes are
    checked. Anything else (windows-1252, ISO-8859-1, UTF-16 with a byte order mark...) is
    decoded and re-encoded as UTF-8 chunk by chunk, with the XML declaration rewritten to
    say so. Bytes that are not valid in the encoding raise ArchiveError naming their line.

    WordPress writes control characters from posts into its exports as they are; XML 1.0
    forbids them, so they are replaced by spaces and counted, with the first lines they were
    on. With `repair_cdata`, CDATA sections holding "]]>" are read as WordPress reads them.
    """

    def __init__(self, raw, path, repair_cdata=False):
        self.raw, self.path = raw, path
        self.size = self.newlines = 0
        self.eof = False
        self.replaced, self.replaced_lines = 0, []  # the first few lines only
        self.cdata = _CdataRepair() if repair_cdata else None
        head = self._next()
        self.encoding, skip = self._sniff(head)
        self.codec = codecs.lookup(self.encoding).name
        self.passthrough = (
            self.encoding.upper() in ("UTF-8", "US-ASCII") and skip == 0 and not repair_cdata
        )
        self.decoder = codecs.getincrementaldecoder(self.codec)("strict")
        self.first = head[skip:]
        self.rewrite = not self.passthrough  # the declaration must name the new encoding

    @property
    def cdata_repairs(self):
        return self.cdata.repairs if self.cdata else 0

    def _next(self):
        data = self.raw.read(_CHUNK)
        self.size += len(data)
        return data

    def _sniff(self, head):
        """(encoding label, bytes of byte order mark to skip) for the start of the file."""
        if head.startswith(codecs.BOM_UTF8):
            return "UTF-8", 0  # expat understands the mark
        if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(b"<\x00?\x00"):
            return "UTF-16-LE", 2 * head.startswith(codecs.BOM_UTF16_LE)
        if head.startswith(codecs.BOM_UTF16_BE) or head.startswith(b"\x00<\x00?"):
            return "UTF-16-BE", 2 * head.startswith(codecs.BOM_UTF16_BE)
        match = _DECLARED_ENCODING.match(head)
        if not match:
            return "UTF-8", 0
        declared = match[2].decode("ascii")
        try:
            info = codecs.lookup(declared)
        except LookupError:
            info = None
        if info is None or not info._is_text_encoding:
            raise ArchiveError(
                self.path, f"the XML declaration names an unknown encoding {declared!r}", 1
            )
        if info.name.startswith(("utf-16", "utf-32")):
            return "UTF-8", 0  # the bytes are not UTF-16 (no mark, ASCII-compatible start)
        return declared, 0

    def read(self, _size=-1):
        while not self.eof:
            if self.first is not None:
                data, self.first = self.first, None
            else:
                data = self._next()
            pending = self.decoder.getstate()[0]
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                raise self._decode_error(pending + data, exc) from None
            if not data:
                self.eof = True
                if self.cdata and (text := self.cdata.feed("", final=True)):
                    return text.encode("utf-8")
                break
            self.newlines += text.count("\n")
            if NOT_XML.search(text):
                text = self._replace_forbidden(text)
            elif self.passthrough:
                # Whole characters only, so that what is passed on is always what was decoded
                # (and a later chunk can be cleaned without splitting one).
                tail = len(self.decoder.getstate()[0])
                data = pending + data[: len(data) - tail] if pending or tail else data
                if data:
                    return data
                continue
            if self.rewrite and text:
                text = _DECLARATION.sub(r"\1\2UTF-8\2", text, count=1)
                self.rewrite = False
            if self.cdata:
                text = self.cdata.feed(text)
            if text:
                return text.encode("utf-8")
        return b""

    def _replace_forbidden(self, text):
        line, start = self.newlines - text.count("\n") + 1, 0
        for match in NOT_XML.finditer(text):
            line += text.count("\n", start, match.start())
            start = match.start()
            self.replaced += 1
            if len(self.replaced_lines) < 5 and line not in self.replaced_lines:
                self.replaced_lines.append(line)
        return NOT_XML.sub(" ", text)

    def _decode_error(self, data, exc):
        before = data[: exc.start].decode(self.codec, "replace")
        line = self.newlines + before.count("\n") + 1
        if exc.reason == "unexpected end of data":
            message = f"the file ends in the middle of a {self.encoding} character"
        else:
            bad = " ".join(f"0x{byte:02X}" for byte in data[exc.start : exc.end])
            message = f"byte {bad} is not valid {self.encoding}"
            if self.codec == "utf-8":
                message += (
                    "; the file says it is UTF-8 but was probably saved in another encoding "
                    "(such as Windows-1252)"
                )
        return ArchiveError(self.path, message, line)


_MARKUP = re.compile(r"<(?!!\[CDATA\[)")  # the next tag, comment or declaration
_CDATA_OPEN, _CDATA_END = "<![CDATA[", "]]>"


class _CdataRepair:
    """Text with CDATA sections that hold "]]>" made well-formed, the way WordPress reads them.

    WordPress's lenient reader takes a field's CDATA to run to the last "]]>" before the
    field's end tag, so `<![CDATA[a ]]> b]]></x>` holds "a ]]> b". Here every "]]>" that has
    another one after it before the next markup becomes "]]]]><![CDATA[>" (XML's way to write
    it inside CDATA), and a stray "]]>" outside CDATA becomes "]]&gt;". Text is fed in chunks;
    what a later chunk decides is held back.
    """

    def __init__(self):
        self.carry, self.in_cdata, self.repairs = "", False, 0

    def feed(self, text, final=False):
        s, out, i, cut = self.carry + text, [], 0, None
        while cut is None:
            if self.in_cdata:
                end = s.find(_CDATA_END, i)
                if end == -1:
                    cut = len(s) - 2
                    break
                markup = _MARKUP.search(s, end + 3)
                if not final and (markup is None or markup.start() > len(s) - len(_CDATA_OPEN)):
                    cut = end  # the rest of the run to the next markup is not here yet
                    break
                run_end = markup.start() if markup else len(s)
                out.append(s[i:end])
                if _CDATA_END in s[end + 3 : run_end]:
                    out.append("]]]]><![CDATA[>")
                    self.repairs += 1
                else:
                    out.append(_CDATA_END)
                    self.in_cdata = False
                i = end + 3
            else:
                start, stray = s.find(_CDATA_OPEN, i), s.find(_CDATA_END, i)
                if stray != -1 and (start == -1 or stray < start):
                    out.append(s[i:stray] + "]]&gt;")
                    self.repairs += 1
                    i = stray + 3
                elif start == -1:
                    cut = len(s) - len(_CDATA_OPEN) + 1
                else:
                    out.append(s[i : start + len(_CDATA_OPEN)])
                    self.in_cdata, i = True, start + len(_CDATA_OPEN)
        cut = len(s) if final else max(i, cut)
        out.append(s[i:cut])
        self.carry = s[cut:]
        return "".join(out)


# Bodies.

_MORE = re.compile(r"<!--more(.*?)?-->", re.S)
_NOTEASER = re.compile(r"<!--noteaser-->")
_NEXTPAGE = re.compile(r"<!--nextpage-->")
_CAPTION = re.compile(
    r"\[(?P<tag>wp_caption|caption)(?P<attrs>(?:\s(?:[^\]\"']|\"[^\"]*\"|'[^']*')*)?)\]"
    r"(?P<inner>.*?)\[/(?P=tag)\]",
    re.S | re.I,
)
_CAPTIONED_IMAGE = re.compile(
    r"\A\s*(?P<image>(?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(?P<text>.*)\Z", re.S | re.I
)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]]+))""")
_SHORTCODE = re.compile(r"(\[?)\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)\](\]?)")
# Shortcodes reported even when they have no attributes and no closing tag; any other bracketed
# word ("[sic]", "[emphasis added]") is only taken for a shortcode if it has name="value"
# attributes or a matching [/name].
KNOWN_SHORTCODES = {
    "audio", "caption", "contact-form", "contact-form-7", "embed", "gallery", "gravityform",
    "instagram", "playlist", "slideshare", "soundcloud", "tweet", "video", "vimeo",
    "wp_caption", "youtube",
}  # fmt: skip


def convert_body(content):
    """(body HTML, teaser before <!--more--> or None, warnings) of a post's content:encoded."""
    warnings = []
    text = (content or "").replace("\r\n", "\n").replace("\r", "\n")
    more = _MORE.search(text)
    teaser = text[: more.start()] if more else None
    text = _NOTEASER.sub("", _MORE.sub("", text))
    if _NEXTPAGE.search(text):
        text = _NEXTPAGE.sub("\n\n", text)
        warnings.append("the post was split into pages (<!--nextpage-->); the pages were joined")
    text = _CAPTION.sub(_figure, text)
    warnings.extend(f"shortcode [{name}] left as text" for name in shortcode_names(text))
    if "<!-- wp:" in text:  # block-editor content is stored as finished HTML
        return text.strip(), teaser, warnings
    return autop(text), teaser, warnings


def _figure(match):
    attributes = {
        m[1].lower(): m[2] if m[2] is not None else m[3] if m[3] is not None else m[4]
        for m in _ATTRIBUTE.finditer(match["attrs"])
    }
    inner = match["inner"].strip()
    if "caption" in attributes and re.search(r"<img\s", inner, re.I):
        image, caption = inner, attributes["caption"].strip()
    elif found := _CAPTIONED_IMAGE.match(inner):
        image, caption = found["image"], found["text"].strip()
    else:
        return match[0]  # not an image: left as text, and reported with the other shortcodes
    if not caption:
        return f"<figure>{image}</figure>"
    return f"<figure>{image}<figcaption>{caption}</figcaption></figure>"


def shortcode_names(text):
    """Names of WordPress shortcodes in text, each once, in order of first appearance."""
    if "[" not in text:
        return []
    matches = [m for m in _SHORTCODE.finditer(text) if not (m[1] and m[5])]  # [[escaped]]
    closed = {m[3].lower() for m in matches if m[2]}
    names, seen = [], set()
    for m in matches:
        name = m[3].lower()
        if m[2] or name in seen:
            continue
        if name in KNOWN_SHORTCODES or name in closed or "=" in m[4] or m[4].rstrip().endswith("/"):
            seen.add(name)
            names.append(m[3])
    return names


def strip_shortcodes(text):
    """Text without captions and without shortcode tags (their enclosed text stays)."""
    text = _CAPTION.sub("", text)
    names = {name.lower() for name in shortcode_names(text)}
    return _SHORTCODE.sub(lambda m: "" if m[3].lower() in names and not m[1] else m[0], text)


# autop: WordPress's wpautop, simplified. WordPress stores classic-editor posts without <p>
# and <br> and adds them when a post is shown; imported bodies need them written out.

_BLOCK = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form"
    r"|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article"
    r"|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_KEEP = re.compile(r"<(pre|script|style|figure)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_KEPT = re.compile(r"<pre \x01(\d+)></pre>")
_TAG_WITH_NEWLINE = re.compile(r"<[^<>]*\n[^<>]*>")
_TAG_NEWLINE = " \x00 "
_AUTOP_STEPS = [
    (re.compile(r"<br\s*/?>\s*<br\s*/?>", re.I), "\n\n"),
    (re.compile(rf"(<{_BLOCK}[\s/>])", re.I), r"\n\n\1"),  # a blank line before each block
    (re.compile(rf"(</{_BLOCK}>)", re.I), r"\1\n\n"),  # and after it
    (re.compile(r"(<hr\s*/?>)", re.I), r"\1\n\n"),
    (re.compile(r"\n\n+"), "\n\n"),
]
_PARAGRAPH_FIXES = [
    (re.compile(r"<p>\s*</p>"), ""),
    (re.compile(r"<p>([^<]+)</(div|address|form)>", re.I), r"<p>\1</p></\2>"),
    (re.compile(rf"<p>\s*(</?{_BLOCK}[^>]*>)\s*</p>", re.I), r"\1"),  # a block alone
    (re.compile(r"<p>(<li.+?)</p>", re.I), r"\1"),
    (re.compile(r"<p><blockquote([^>]*)>", re.I), r"<blockquote\1><p>"),
    (re.compile(r"</blockquote></p>", re.I), "</p></blockquote>"),
    (re.compile(rf"<p>\s*(</?{_BLOCK}[^>]*>)", re.I), r"\1"),  # no <p> just before a block
    (re.compile(rf"(</?{_BLOCK}[^>]*>)\s*</p>", re.I), r"\1"),  # nor </p> just after one
    (re.compile(r"<br\s*/?>", re.I), "<br>"),
    (re.compile(r"(?<!<br>)\s*\n"), "<br>\n"),  # a single newline is a line break...
    (re.compile(rf"(</?{_BLOCK}[^>]*>)\s*<br>", re.I), r"\1"),  # ...except next to a block
    (re.compile(r"<br>(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", re.I), r"\1"),
    (re.compile(r"\n</p>$"), "</p>"),
]


_BLOCK_OR_KEPT_TAG = re.compile(rf"</?(?:{_BLOCK}|script)[\s/>]|<br\s*/?>", re.I)
_BLANK_LINES = re.compile(r"\n\s*\n")


def _inline_autop(text):
    """autop for text with no block-level tags (most classic posts): same result, faster."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TAG_WITH_NEWLINE.sub(lambda m: m[0].replace("\n", _TAG_NEWLINE), text)
    paragraphs = (chunk.strip() for chunk in _BLANK_LINES.split(text))
    html = "\n".join(
        "<p>" + "<br>\n".join(line.strip() for line in chunk.split("\n")) + "</p>"
        for chunk in paragraphs
        if chunk
    )
    return html.replace(_TAG_NEWLINE, "\n")


def autop(text):
    """Paragraphs and line breaks for HTML written the way WordPress stores it.

    Like WordPress's wpautop: text separated by blank lines becomes <p> paragraphs, a single
    newline inside a paragraph becomes <br>, and block-level elements (p, div, lists, headings,
    blockquote, table, figure, pre, hr...) are not wrapped in <p>. The contents of pre,
    script, style and figure elements are left exactly as they are.
    """
    if not text or not text.strip():
        return ""
    if "<" not in text and "\n" not in text.strip():
        return f"<p>{text.strip()}</p>"  # one plain line: the common short case, quickly
    if not _BLOCK_OR_KEPT_TAG.search(text):
        return _inline_autop(text)
    kept = []

    def keep(match):
        kept.append(match[0])
        return f"<pre \x01{len(kept) - 1}></pre>"

    text = _KEEP.sub(keep, text.replace("\r\n", "\n").replace("\r", "\n")) + "\n"
    # Newlines inside tags (<img\nsrc=...>) are not line breaks: hide them until the end.
    text = _TAG_WITH_NEWLINE.sub(lambda m: m[0].replace("\n", _TAG_NEWLINE), text)
    for pattern, replacement in _AUTOP_STEPS:
        text = pattern.sub(replacement, text)
    chunks = (chunk.strip("\n") for chunk in re.split(r"\n\s*\n", text))
    text = "".join(f"<p>{chunk}</p>\n" for chunk in chunks if chunk)
    for pattern, replacement in _PARAGRAPH_FIXES:
        text = pattern.sub(replacement, text)
    text = text.replace(_TAG_NEWLINE, "\n")
    return _KEPT.sub(lambda m: kept[int(m[1])], text).strip()


def old_paths(link, slug, old_slugs):
    """Paths (as Django's request.path sees them) at which the post used to be found.

    The permalink's path, and the same path ending in each earlier slug WordPress remembers.
    Links without a path of their own ("/?p=123") give nothing: they cannot be redirected.
    """
    path = unquote(urlsplit(link).path) if link else ""
    if path.strip("/") == "":
        return []
    paths = [path]
    segments = path.split("/")
    last = max(i for i, segment in enumerate(segments) if segment)
    if slug and segments[last] == slug:
        for old in old_slugs:
            old = unquote(old)
            if old and old != slug:
                moved = "/".join([*segments[:last], old, *segments[last + 1 :]])
                if moved not in paths:
                    paths.append(moved)
    return paths
