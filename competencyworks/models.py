from django.db import models


class MovedPage(models.Model):
    """A public URL that moved (slug or date changed): old links answer 301."""

    old_path = models.CharField(max_length=500, unique=True)
    new_path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    @classmethod
    def record(cls, old_path, new_path):
        if old_path == new_path:
            return
        # The new address is live again: it must not redirect anywhere.
        cls.objects.filter(old_path=new_path).delete()
        # Earlier moves point straight at the newest address, never through a chain.
        cls.objects.filter(new_path=old_path).update(new_path=new_path)
        cls.objects.update_or_create(old_path=old_path, defaults={"new_path": new_path})
