from django.dispatch import Signal

# Sent once a transaction that changed an article has committed (with article_id).
# newsroom.tasks listens and enqueues the publish flow; publishing.py never imports the
# task module, so the domain functions stay free of the queue.
article_committed = Signal()

# Sent by the background task after an article was published, changed, corrected or
# unpublished (with article_id). Search, recommendations and follows listen here.
article_changed = Signal()

# Sent after a batch operation (an import) changed many articles at once
# (with article_ids), so listeners can work in batches.
articles_changed = Signal()
