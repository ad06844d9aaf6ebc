"""Which Chromium the browser tests drive, and whether this run must have it.

Debian's Chromium, never a downloaded one: CI installs it with apt-get and sets
BROWSER_TESTS=required, so a missing browser fails the run there instead of skipping.
"""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# A closed network: nothing may phone home, update itself or wait for a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_missing():
    """Why the browser tests cannot run here, or "" when they can."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)"
    return ""


def browser_required():
    return os.environ.get("BROWSER_TESTS") == "required"
