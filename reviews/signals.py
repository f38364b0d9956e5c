"""Reviews react to events of the layers below them: changed receipts make a review's derived
views stale. Connected in ReviewsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from baselines.signals import receipts_decided
from reviews.derived import mark_papers_dirty


@receiver(receipts_decided, dispatch_uid="reviews-recompute-on-decision")
def recompute_after_decision(sender: Any, paper_ids: set[int], **kwargs: Any) -> None:
    mark_papers_dirty(paper_ids)
