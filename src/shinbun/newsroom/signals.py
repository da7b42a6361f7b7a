from django.dispatch import Signal

# Sent by the background task after an article was published, changed, corrected or
# unpublished (with article_id). Search, recommendations and follows listen here.
article_changed = Signal()

# Sent after a batch operation (an import) changed many articles at once
# (with article_ids), so listeners can work in batches.
articles_changed = Signal()
