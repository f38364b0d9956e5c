"""Events the curation layer announces; upper layers (reviews) subscribe instead of being called."""

from django.dispatch import Signal

# Sent inside the deciding transaction once a curator decision changed what receipts say.
# Arguments: paper_ids (set[int]), the papers whose receipts changed.
receipts_decided = Signal()
