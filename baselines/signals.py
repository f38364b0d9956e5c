"""Events the curation layer announces; upper layers (reviews) subscribe instead of being called."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from benchmarks.leaderboards import CellRef


@dataclass(frozen=True)
class Touched:
    """The derived rows a change can move, taken before and after an edit so a re-pointed receipt
    leaves its old method too: `compared`, the methods named by changed critiques and beats (as
    method or baseline: their standings' critique and beaten counts, and the frontier when a beats
    receipt changed: `frontier`); `reported`, the methods of changed results (their standings'
    result counts); `cells`, the leaderboard cells of changed results; `hubs`, methods whose hub
    pages show the change but no derived row (a citation's). `everything`: the change
    reaches past its own receipts (a merge, an adopted candidate makes every receipt naming a method
    count), so only a full recompute is right."""

    compared: frozenset[int] = frozenset()
    reported: frozenset[int] = frozenset()
    cells: frozenset[CellRef] = frozenset()
    frontier: bool = False
    hubs: frozenset[int] = frozenset()
    everything: bool = False

    def __or__(self, other: Touched) -> Touched:
        return Touched(
            self.compared | other.compared,
            self.reported | other.reported,
            self.cells | other.cells,
            self.frontier or other.frontier,
            self.hubs | other.hubs,
            self.everything or other.everything,
        )

    @property
    def methods(self) -> frozenset[int]:
        """Every method whose pages the change reaches."""
        return self.compared | self.reported | self.hubs


EVERYTHING = Touched(everything=True)

# Sent inside the deciding transaction once a curator decision changed what receipts say.
# Arguments: paper_ids (set[int]), the papers whose receipts changed; touched (Touched), what they move.
receipts_decided = Signal()
