"""What changed between two versions of a wiki page, for the admin's and readers' histories.

A Markdown body is compared block by block: each non-blank line is one (a paragraph typed
without hard line breaks, a heading, a list item). The blocks are aligned first, so an
unchanged block is never shown as removed and added again; a block that moved is shown
once, where it went; a block that changed a little is shown once, with the words that
were removed and added marked inside it. Only the changes and one block either side of
each are shown. Marks carry words as well as colours, for screen readers and print.
"""

import difflib
from collections import Counter

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from competencyworks import revisions

CONTEXT = 1
SIMILAR = 0.6  # difflib's own cutoff for "close matches", on the blocks' words
MAX_PAIRINGS = 10_000  # a rewrite of hundreds of blocks is shown as removed and added
TAGS = "tag_names"

# Kinds of row; "changed" and "moved" rows may hold both versions of a block.
SIGNS = {"equal": " ", "removed": "−", "added": "+", "changed": "±", "moved": "↕", "gap": "…"}
LABELS = {
    "removed": "Removed: ",
    "added": "Added: ",
    "changed": "Changed: ",
    "moved": "Moved here: ",
}


def blocks(text):
    """The non-blank lines of a Markdown text, without trailing spaces."""
    lines = (line.rstrip() for line in str(text or "").splitlines())
    return [line for line in lines if line.strip()]


def diff_rows(old, new):
    """[(kind, old block, new block)] for two Markdown texts, kind as in SIGNS.

    Unchanged blocks far from any change are left out, each run of them as one "gap" row.
    """
    a, b = blocks(old), blocks(new)
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    removed = Counter(line for tag, i1, i2, _, _ in opcodes if tag != "equal" for line in a[i1:i2])
    added = Counter(line for tag, _, _, j1, j2 in opcodes if tag != "equal" for line in b[j1:j2])
    moved_away, moved_here = removed & added, removed & added
    rows = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            rows.extend(("equal", line, line) for line in a[i1:i2])
            continue
        olds = [line for line in a[i1:i2] if not _take(moved_away, line)]
        news = [(line, _take(moved_here, line)) for line in b[j1:j2]]
        rows.extend(_replacement(olds, news))
    return _with_context(_moved_and_changed(rows))


def _take(counter, line):
    if counter[line] > 0:
        counter[line] -= 1
        return True
    return False


def _replacement(olds, news):
    """Rows for blocks `olds` replaced by `news` ([(block, moved)]): similar ones paired."""
    candidates = [k for k, (_, moved) in enumerate(news) if not moved]
    pairs = [(i, candidates[c]) for i, c in _similar_pairs(olds, [news[k][0] for k in candidates])]
    rows = []
    last_old = last_new = 0
    for i, k in [*pairs, (len(olds), len(news))]:
        rows.extend(("removed", line, None) for line in olds[last_old:i])
        rows.extend(("moved" if moved else "added", None, line) for line, moved in news[last_new:k])
        if i < len(olds):
            rows.append(("changed", olds[i], news[k][0]))
        last_old, last_new = i + 1, k + 1
    return rows


def _similar_pairs(olds, news):
    """[(old index, new index)], in order, of blocks whose words are at least SIMILAR."""
    if len(olds) * len(news) > MAX_PAIRINGS:
        return []
    new_words = [line.split() for line in news]
    pairs = []
    start = 0
    for i, line in enumerate(olds):
        k = _closest(line, new_words, range(start, len(news)))
        if k is not None:
            pairs.append((i, k))
            start = k + 1
    return pairs


def _closest(line, candidates, indices):
    """The index (among `indices`) of the candidate word list most like `line`, if SIMILAR."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(line.split())  # difflib caches what it learns about the second sequence
    best, best_index = 0.0, None
    for index in indices:
        matcher.set_seq1(candidates[index])
        floor = max(SIMILAR, best)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        ratio = matcher.ratio()
        if ratio >= SIMILAR and ratio > best:
            best, best_index = ratio, index
    return best_index


def _moved_and_changed(rows):
    """A block removed in one place and added, a little changed, in another: one row."""
    removed = [index for index, (kind, _, _) in enumerate(rows) if kind == "removed"]
    added = [index for index, (kind, _, _) in enumerate(rows) if kind == "added"]
    if not removed or not added or len(removed) * len(added) > MAX_PAIRINGS:
        return rows
    words = {index: rows[index][2].split() for index in added}
    came_from = {}
    for index in removed:
        free = [at for at in added if at not in came_from]
        if (to := _closest(rows[index][1], words, free)) is not None:
            came_from[to] = index
    gone = set(came_from.values())
    return [
        ("moved", rows[came_from[index]][1], row[2]) if index in came_from else row
        for index, row in enumerate(rows)
        if index not in gone
    ]


def _with_context(rows):
    changed = [index for index, (kind, _, _) in enumerate(rows) if kind != "equal"]
    if not changed:
        return []
    shown = {
        index
        for at in changed
        for index in range(max(0, at - CONTEXT), min(len(rows), at + CONTEXT + 1))
    }
    trimmed = []
    for index, row in enumerate(rows):
        if index in shown:
            trimmed.append(row)
        elif not trimmed or trimmed[-1][0] != "gap":
            trimmed.append(("gap", None, None))
    return trimmed


def marked_words(old, new):
    """`new` with the words taken out of `old` in <del> and those put in, in <ins>."""
    a, b = old.split(), new.split()
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(
                format_html(
                    '<del><span class="diff-label">removed: </span>{}</del>', " ".join(a[i1:i2])
                )
            )
        if j2 > j1:
            parts.append(
                format_html(
                    '<ins><span class="diff-label">added: </span>{}</ins>', " ".join(b[j1:j2])
                )
            )
    indent = new[: len(new) - len(new.lstrip())]
    return mark_safe(indent + " ".join(parts))  # every part is escaped above


def body_html(old, new):
    rows = diff_rows(old, new)
    if not rows:
        return format_html('<p class="diff-none">{}</p>', "Only blank lines or spacing changed.")

    def cell(kind, old_line, new_line):
        """(label, content) of a row."""
        if kind == "gap":
            return "", SIGNS["gap"]
        if kind != "equal" and old_line is not None and new_line is not None:
            label = "Moved here and changed: " if kind == "moved" else LABELS[kind]
            return label, marked_words(old_line, new_line)
        return LABELS.get(kind, ""), new_line if old_line is None else old_line

    body = format_html_join(
        "",
        '<tr class="diff-{}"><td class="diff-sign" aria-hidden="true">{}</td><td>{}{}</td></tr>',
        ((kind, SIGNS[kind], *cell(kind, old_line, new_line)) for kind, old_line, new_line in rows),
    )
    return format_html('<table class="diff diff-words">{}</table>', body)


def tags_html(old, new):
    """Tags added and removed, or None when they are the same or a version predates them."""
    if old is None or new is None:
        return None
    old_keys = {name.casefold() for name in old}
    new_keys = {name.casefold() for name in new}
    added = [name for name in new if name.casefold() not in old_keys]
    removed = [name for name in old if name.casefold() not in new_keys]
    if not added and not removed:
        return None
    items = []
    if added:
        names = format_html_join(", ", "<ins>{}</ins>", ((name,) for name in added))
        items.append(format_html('<li class="diff-added">Added: {}</li>', names))
    if removed:
        names = format_html_join(", ", "<del>{}</del>", ((name,) for name in removed))
        items.append(format_html('<li class="diff-removed">Removed: {}</li>', names))
    return format_html('<ul class="diff-tags">{}</ul>', mark_safe("".join(items)))


def compare(old_version, new_version, fields):
    """[(field name, diff HTML)] for the fields of a page that differ between two versions.

    The body gets the block and word comparison, "tag_names" is shown as "tags", and other
    fields the line comparison every record's history uses.
    """
    old_fields, new_fields = old_version.field_dict, new_version.field_dict
    changes = []
    for name in fields:
        old_value, new_value = old_fields.get(name), new_fields.get(name)
        if name == TAGS:
            if shown := tags_html(old_value, new_value):
                changes.append(("tags", shown))
        elif old_value != new_value:
            differ = body_html if name == "body" else revisions.diff_html
            changes.append((name, differ(old_value, new_value)))
    return changes
