"""Citation role and polarity by Claude, when ANTHROPIC_API_KEY is set (the rules are the fallback)."""

from __future__ import annotations

import logging
from typing import Any

import anthropic

from papers.models import CitationPolarity, CitationRole
from worker.extract.claude import anthropic_client
from worker.reading.references import Classification, classify_citation

logger = logging.getLogger(__name__)

BATCH = 40  # contexts per request: one paper's citations usually fit in two or three requests
INSTRUCTIONS = (
    "Classify citations in research papers on LLM quantization. For each numbered sentence, the "
    "citation marker names the cited work. role: 'background' (related work, motivation), 'uses' "
    "(the citing paper uses the cited method, data or code), 'compares' (the citing paper compares "
    "its results against it). polarity: 'supporting' (agrees with or builds on it), 'contrasting' "
    "(criticises it, or reports beating it), 'neutral'. Answer for every number."
)
TOOL: dict[str, Any] = {
    "name": "record_citation_classes",
    "description": "Record the role and polarity of each numbered citation.",
    "input_schema": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        "role": {"type": "string", "enum": list(CitationRole.values)},
                        "polarity": {"type": "string", "enum": list(CitationPolarity.values)},
                    },
                    "required": ["index", "role", "polarity"],
                },
            }
        },
        "required": ["items"],
    },
}


class ClaudeClassifier:
    """Callable like the rule classifier: (sentence, marker) pairs in, classifications out. An item
    the model leaves out, or answers outside the labels, keeps the rules' answer."""

    name = "citations-claude"

    def __init__(self, client: anthropic.Anthropic, model: str) -> None:
        self.client = client
        self.model = model
        self.version = f"{model}/1"

    @classmethod
    def from_settings(cls) -> ClaudeClassifier:
        from django.conf import settings

        return cls(anthropic_client(settings.ANTHROPIC_API_KEY), settings.ANTHROPIC_MODEL)

    def __call__(self, items: list[tuple[str, str]]) -> list[Classification]:
        results = [classify_citation(sentence, marker) for sentence, marker in items]
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            prompt = "\n".join(
                f"{n}. [marker {marker}] {sentence}" for n, (sentence, marker) in enumerate(batch, start=1)
            )
            try:
                response = self.client.messages.create(
                    model=self.model,
                    max_tokens=2000,
                    system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
                    tools=[TOOL],
                    tool_choice={"type": "tool", "name": TOOL["name"]},
                    messages=[{"role": "user", "content": prompt}],
                )
            except anthropic.APIError as exc:
                logger.warning("citation classes by rules for this batch: %s", exc)
                continue
            block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
            for answer in block.input.get("items", []) if block is not None else []:
                # An answer for a sentence that was not asked (an index out of range, or no number)
                # is a citation the model made up: dropped, never stored.
                index = answer.get("index") - 1 if isinstance(answer.get("index"), int) else -1
                if (
                    0 <= index < len(batch)
                    and answer.get("role") in CitationRole.values
                    and answer.get("polarity") in CitationPolarity.values
                ):
                    results[start + index] = Classification(
                        role=answer["role"], polarity=answer["polarity"], confidence=0.8
                    )
        return results
