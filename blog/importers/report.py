"""The --report file, written as posts are imported so a large run keeps memory flat.

{"posts": [{…}, …], "skipped": [{…}], "images_elsewhere": [{…}], "summary": {…}}, one post
object per record in source order, dates in ISO 8601. Each post lists its images: those
stored on this site and those still at another address, with why; "images_elsewhere" repeats
the posts that have any of the latter, which show broken images until they are stored.
"""

import json


class JsonReport:
    def __init__(self, path):
        self.path = path
        self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finish/discard
        self.file.write('{"posts": [')
        self.count = 0
        self.images_elsewhere = []

    def add(self, entry):
        separator = ",\n  " if self.count else "\n  "
        self.file.write(separator + json.dumps(entry, ensure_ascii=False))
        self.count += 1
        if elsewhere := entry["images"]["elsewhere"]:
            self.images_elsewhere.append(
                {"title": entry["title"], "url": entry["url"], "images": elsewhere}
            )

    def finish(self, skipped, summary):
        self.file.write("\n],\n")
        self.file.write(f'"skipped": {json.dumps(skipped, ensure_ascii=False, indent=2)},\n')
        elsewhere = json.dumps(self.images_elsewhere, ensure_ascii=False, indent=2)
        self.file.write(f'"images_elsewhere": {elsewhere},\n')
        self.file.write(f'"summary": {json.dumps(summary, indent=2)}\n}}\n')
        self.file.close()

    def discard(self):
        """A failed run leaves no half-written report behind."""
        self.file.close()
        self.path.unlink(missing_ok=True)
