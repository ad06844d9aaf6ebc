"""The --report file, written as posts are imported so a large run keeps memory flat.

{"posts": [{…}, …], "skipped": [{…}], "summary": {…}}, one post object per record in
source order, dates in ISO 8601.
"""

import json


class JsonReport:
    def __init__(self, path):
        self.path = path
        self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finish/discard
        self.file.write('{"posts": [')
        self.count = 0

    def add(self, entry):
        separator = ",\n  " if self.count else "\n  "
        self.file.write(separator + json.dumps(entry, ensure_ascii=False))
        self.count += 1

    def finish(self, skipped, summary):
        self.file.write("\n],\n")
        self.file.write(f'"skipped": {json.dumps(skipped, ensure_ascii=False, indent=2)},\n')
        self.file.write(f'"summary": {json.dumps(summary, indent=2)}\n}}\n')
        self.file.close()

    def discard(self):
        """A failed run leaves no half-written report behind."""
        self.file.close()
        self.path.unlink(missing_ok=True)
