"""How well a paper fits a review's scope, judged from its title, abstract and categories."""

from __future__ import annotations

import re
from typing import Protocol

from reviews.models import TaxonomyFit


class Scope(Protocol):
    arxiv_categories: list[str]
    query_terms: list[str]
    exclude_terms: list[str]


def _mentions(text: str, term: str) -> bool:
    # Whole words only: "quantization" must not match inside "dequantizationless", and "INT8" not inside "PRINT8".
    return re.search(rf"(?<![\w-]){re.escape(term.lower())}(?![\w-])", text) is not None


def assess_fit(scope: Scope, title: str, abstract: str, categories: list[str]) -> str:
    """in_scope: a scope term in the title, or two in the abstract, within the scope's categories;
    weak: one mention, or terms outside the categories; out_of_scope: an exclusion term dominates or
    nothing matches. Curators can override it; this is the starting point."""
    title_l, abstract_l = title.lower(), abstract.lower()
    if any(_mentions(title_l, term) for term in scope.exclude_terms):
        return TaxonomyFit.OUT_OF_SCOPE
    in_title = sum(_mentions(title_l, term) for term in scope.query_terms)
    in_abstract = sum(_mentions(abstract_l, term) for term in scope.query_terms)
    in_categories = not scope.arxiv_categories or bool(set(categories) & set(scope.arxiv_categories))
    if in_title + in_abstract == 0:
        return TaxonomyFit.OUT_OF_SCOPE
    if in_categories and (in_title or in_abstract >= 2):
        return TaxonomyFit.IN_SCOPE
    return TaxonomyFit.WEAK
