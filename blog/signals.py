from django.dispatch import Signal

# Sent after an import wrote posts in bulk (bulk writes send no post_save): post_ids.
posts_imported = Signal()
