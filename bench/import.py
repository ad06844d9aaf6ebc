"""Import benchmark: write synthetic WordPress exports, time `import_archive` on each.

Run by hand, never by the test suite:

    .venv/bin/python bench/import.py                       # 2,000 and 10,000 posts
    .venv/bin/python bench/import.py --sizes 10000 40000   # memory should stay flat
    .venv/bin/python bench/import.py --sizes 100000 --no-rerun  # first import only
    .venv/bin/python bench/import.py --sizes 10000 --tags 5000  # thousands of different tags

Each size gets a fresh SQLite database (or DATABASE_URL, which must be a throwaway
database: every run adds posts to it) and runs the command in a child process, whose
peak resident memory comes from the operating system (wait4). A second run of the same
file times the "unchanged" path.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "learning",
    "competency",
    "mastery",
    "students",
    "teachers",
    "district",
    "school",
    "credit",
    "pathway",
    "evidence",
    "assessment",
    "feedback",
    "standards",
    "grading",
    "practice",
    "growth",
    "equity",
    "design",
    "pilot",
    "policy",
    "state",
]
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:author><wp:author_login>writer</wp:author_login>
<wp:author_display_name>Bench Writer</wp:author_display_name></wp:author>
"""
ITEM = """<item><title><![CDATA[{title}]]></title>
<link>https://bench.example.org/{date:%Y/%m/%d}/post-{n}/</link>
<dc:creator><![CDATA[writer]]></dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id>
<wp:post_date>{date:%Y-%m-%d %H:%M:%S}</wp:post_date>
<wp:post_date_gmt>{date:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>
<wp:post_name>post-{n}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:is_sticky>0</wp:is_sticky>
<category domain="category" nicename="k-12"><![CDATA[K-12]]></category>
<category domain="post_tag" nicename="t{tag1}"><![CDATA[topic {tag1}]]></category>
<category domain="post_tag" nicename="t{tag2}"><![CDATA[topic {tag2}]]></category>
</item>
"""


def write_export(path, count, rng, tags=60):
    from datetime import datetime, timedelta

    start = datetime(2012, 1, 1)
    with open(path, "w", encoding="utf-8") as export:
        export.write(HEADER)
        for n in range(1, count + 1):
            paragraphs = [" ".join(rng.choice(WORDS) for _ in range(50)) + "." for _ in range(5)]
            body = "\n\n".join(paragraphs[:2]) + "<!--more-->\n\n" + "\n\n".join(paragraphs[2:])
            title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
            date = start + timedelta(hours=n * 5)
            tag1, tag2 = rng.sample(range(tags), 2)
            export.write(ITEM.format(n=n, title=title, body=body, date=date, tag1=tag1, tag2=tag2))
        export.write("</channel></rss>\n")


def run_command(args, env):
    """Run manage.py in a child; return (seconds, peak RSS in MB, last output line)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{output}")
    last_line = output.strip().splitlines()[-1] if output.strip() else ""
    return seconds, usage.ru_maxrss / 1024, last_line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--tags", type=int, default=60, help="different tags the posts draw their two from"
    )
    parser.add_argument(
        "--no-rerun", dest="rerun", action="store_false", help="time the first import only"
    )
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cw-import-bench-") as work:
        for size in options.sizes:
            export = Path(work) / f"export-{size}.xml"
            write_export(export, size, random.Random(options.seed), options.tags)
            env = dict(os.environ)
            env.setdefault("DATABASE_URL", f"sqlite:///{work}/bench-{size}.sqlite3")
            run_command(["migrate", "-v0"], env)
            first = run_command(["import_archive", str(export)], env)
            again = run_command(["import_archive", str(export)], env) if options.rerun else None
            megabytes = export.stat().st_size / 1e6
            rows.append((size, megabytes, first, again))
    vendor = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    print(
        f"\nimport_archive on synthetic WXR | database {vendor} | {options.tags} tags | "
        f"Python {sys.version.split()[0]}"
    )
    print(f"{'posts':>7} {'file MB':>8} {'first s':>8} {'posts/s':>8} {'peak MB':>8} "
          f"{'rerun s':>8} {'rerun/s':>8}")  # fmt: skip
    for size, megabytes, (seconds, peak, _), again in rows:
        again_s, again_peak, _ = again or (None, 0, None)
        rerun = f"{again_s:>8.2f} {size / again_s:>8.0f}" if again else f"{'-':>8} {'-':>8}"
        print(
            f"{size:>7} {megabytes:>8.1f} {seconds:>8.2f} {size / seconds:>8.0f} "
            f"{max(peak, again_peak):>8.0f} {rerun}"
        )
    print("The command's own timing (import only, without starting Python and Django):")
    for size, _, first, again in rows:
        print(f"  {size}: first run: {first[2]}")
        if again:
            print(f"  {size}: second run: {again[2]}")


if __name__ == "__main__":
    main()
