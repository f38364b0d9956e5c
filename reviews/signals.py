"""Reviews react to events of the layers below them: changed receipts refresh the derived views of
the reviews holding their papers. Connected in ReviewsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from baselines.signals import Touched, receipts_decided
from reviews.incremental import queue_refresh


@receiver(receipts_decided, dispatch_uid="reviews-refresh-on-decision")
def refresh_after_decision(sender: Any, paper_ids: set[int], touched: Touched, **kwargs: Any) -> None:
    queue_refresh(paper_ids, touched)
