from django.dispatch import Signal

# Sent once the search index is in step with these articles (with article_ids): each was
# analysed and indexed, or removed because it is no longer visible. My News matches the
# followed words against the stored analysis here, so an article is analysed once.
documents_indexed = Signal()
