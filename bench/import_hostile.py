"""Hostile input for the text-archive reader: time and peak memory, each case in its own process.

Run by hand, never by the test suite:

    .venv/bin/python bench/import_hostile.py             # 20 MB pages, 48 KB paragraphs
    .venv/bin/python bench/import_hostile.py --mb 5      # smaller pages

Each case runs in a fresh Python process that reads the file and prints its own time and
peak resident memory (getrusage ru_maxrss), so one case's memory never hides another's.
The reader should stay linear in time and flat in memory (under 300 MB for 20 MB).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = {
    "series name after 'that'": "This is the first in a series that " + "the Word " * 5000,
    "run of full stops": "This is the first in a series on x" + "." * 48_000 + " and more",
    "abbreviations": "The first in a series. " + "Dr. Smith " * 5000,
    "initials": "This is part of a series on U.S. " + "U.S. " * 9000,
    "many series mentions": "1st in a series part of a series " * 1450,
}


def write_pages(work, megabytes):
    size = int(megabytes * 1_000_000)
    entries, lines = work / "entries.txt", work / "lines.txt"
    with entries.open("w") as out:
        n = written = 0
        while written < size:
            text = f"Roundup {n}\nMarch {n % 28 + 1}, 2018 by\nA short line.\nPrint Friendly\n"
            written += out.write(text)
            n += 1
    with lines.open("w") as out:
        n = written = 0
        while written < size:
            written += out.write(f"line {n}\n")
            n += 1
    return {"short entries": entries, "short lines, no share line": lines}


def child(kind, value):
    """In the child process: run one case, print {"seconds", "peak_mb", "result"}."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competencyworks.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from blog.importers.detect import find_series
    from blog.importers.records import ArchiveError
    from blog.importers.text_archive import text_archive_records

    started = time.perf_counter()
    if kind == "page":
        try:
            result = f"{sum(1 for _ in text_archive_records(value, time_zone='UTC'))} records"
        except ArchiveError as error:
            result = f"refused: {error.message[:60]}"
    else:
        find_series("A title", [PARAGRAPHS[value]])
        result = "done"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "result": result}))


def measure(kind, value):
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(value)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20, help="size of each page")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return
    print(f"{'case':<40} {'seconds':>8} {'peak MB':>8}  result")
    with tempfile.TemporaryDirectory(prefix="cw-hostile-") as work:
        for name, page in write_pages(Path(work), options.mb).items():
            row = measure("page", page)
            label = f"{options.mb:g} MB page, {name}"
            print(f"{label:<40} {row['seconds']:>8.2f} {row['peak_mb']:>8.0f}  {row['result']}")
    for name in PARAGRAPHS:
        row = measure("paragraph", name)
        label = f"48 KB paragraph, {name}"
        print(f"{label:<40} {row['seconds']:>8.2f} {row['peak_mb']:>8.0f}  {row['result']}")


if __name__ == "__main__":
    main()
