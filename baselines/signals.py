"""Events the curation layer announces; upper layers (reviews) subscribe instead of being called."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from benchmarks.leaderboards import BoardKey


@dataclass(frozen=True)
class Touched:
    """The derived rows a change can move: the methods its receipts name (as method or as baseline)
    and the boards of its results, taken before and after an edit so a re-pointed receipt leaves its
    old method too. `everything`: the change reaches past its own receipts (a merge, an adopted
    candidate makes every receipt naming a method count), so only a full recompute is right."""

    methods: frozenset[int] = frozenset()
    boards: frozenset[BoardKey] = frozenset()
    everything: bool = False

    def __or__(self, other: Touched) -> Touched:
        return Touched(self.methods | other.methods, self.boards | other.boards, self.everything or other.everything)


EVERYTHING = Touched(everything=True)

# Sent inside the deciding transaction once a curator decision changed what receipts say.
# Arguments: paper_ids (set[int]), the papers whose receipts changed; touched (Touched), what they move.
receipts_decided = Signal()
