"""Signals of the members domain, for the domains built on it."""

from django.dispatch import Signal

# Sent with ``user`` when a reader asks for their own data (accounts.personal_data).
# Each domain that keeps something about readers answers with {part name: JSON-ready
# data}, so the download holds everything without this domain knowing the others.
personal_data_requested = Signal()
