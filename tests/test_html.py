import pytest

from competencyworks.html import excerpt, plain_text, sanitise


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<p onclick="steal()">Hi</p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        (
            '<a href="https://example.org/a" target="_blank">x</a>',
            '<a href="https://example.org/a">x</a>',
        ),
        ('<img src="x.png" onerror="boom()" alt="A chart">', '<img src="x.png" alt="A chart">'),
        ("<style>body{}</style><p>Text</p>", "<p>Text</p>"),
        ("<iframe src='https://evil.example'></iframe><p>a</p>", "<p>a</p>"),
        ("<!-- note --><p>a</p>", "<p>a</p>"),
    ],
)
def test_sanitise_removes_dangerous_markup(dirty, clean):
    assert sanitise(dirty) == clean


@pytest.mark.parametrize(
    "kept",
    [
        '<figure><img src="/m/a.jpg" alt="Class"><figcaption>At work</figcaption></figure>',
        "<ul><li>one</li><li>two</li></ul>",
        '<ol start="3"><li>three</li></ol>',
        "<table><thead><tr><th>State</th></tr></thead><tbody><tr><td>Maine</td></tr></tbody></table>",
        '<p><a href="/blog/">internal</a> and <a href="mailto:a@example.org">mail</a></p>',
        "<h2>Heading</h2><blockquote><p>Quote</p></blockquote>",
        "<p>Footnote<sup>1</sup></p>",
    ],
)
def test_sanitise_keeps_structure(kept):
    assert sanitise(kept) == kept


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One &amp; two</p><p>three</p>", "One & two three"),
        ("<h2>Title</h2>Body", "Title. Body"),
        ("<h3>Why <em>now</em>?</h3><p>Because</p>", "Why now? Because"),
        ("<table><caption>Rates</caption><tr><td>A</td><td>B</td></tr></table>", "Rates A B"),
        ("<ul><li>one</li></ul>after<hr>end", "one after end"),
        ("<table><tr><th>State</th><td>Maine</td></tr></table>", "State Maine"),
        ("line<br>break", "line break"),
        (" <p>\tOne&nbsp;&nbsp;two\u2028three\u3000</p>\n", "One two three"),  # any space
    ],
)
def test_plain_text_separates_blocks_and_decodes_entities(html, text):
    assert plain_text(html) == text


def test_excerpt_truncates_on_a_word_boundary():
    body = "<p>" + " ".join(f"word{n}" for n in range(100)) + "</p>"
    text = excerpt(body, words=5)
    assert text == "word0 word1 word2 word3 word4…"


def test_excerpt_leaves_out_tables_and_ends_headings():
    body = (
        "<h2>Credit rules</h2><table><tr><th>State</th><th>Year</th></tr>"
        "<tr><td>Maine</td><td>2012</td></tr></table><p>Most states changed course.</p>"
    )
    assert excerpt(body) == "Credit rules. Most states changed course."


def test_excerpt_of_short_text_is_the_text():
    assert excerpt("<p>Short <em>note</em>.</p>") == "Short note."
