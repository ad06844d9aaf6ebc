from django.dispatch import Signal

# Sent after an import wrote posts in bulk (bulk writes send no post_save): post_ids.
# The importer writes their search documents itself, batch by batch, as it goes.
posts_imported = Signal()
