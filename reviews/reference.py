"""The reviews this server ships with: each is a scope definition, nothing in the code depends on it."""

from typing import TypedDict


class ReviewSpec(TypedDict):
    slug: str
    title: str
    tagline: str
    arxiv_categories: list[str]
    query_terms: list[str]
    exclude_terms: list[str]
    inclusion_criteria: str
    research_questions: list[str]  # what the synthesis answers; curators edit them afterwards
    ingest_hour: int
    ingest_minute: int
    ingest_since: str  # ISO date the first ingestion reaches back to


LLM_QUANTIZATION: ReviewSpec = {
    "slug": "llm-quantization",
    "title": "LLM quantization",
    "tagline": (
        "Post-training and quantization-aware methods that run large language models at low precision: "
        "weights, activations and the KV cache."
    ),
    "arxiv_categories": ["cs.LG", "cs.CL", "cs.AI", "cs.AR", "cs.PF"],
    "query_terms": [
        "quantization",
        "quantized",
        "low-bit",
        "post-training quantization",
        "weight-only quantization",
        "KV cache quantization",
        "4-bit",
        "INT8",
        "INT4",
        "FP8",
    ],
    "exclude_terms": ["quantum", "image classification only", "speech"],
    "inclusion_criteria": (
        "Include: papers that propose, analyse or evaluate quantization of transformer language models "
        "(weights, activations, KV cache, or number formats), with results on language-model benchmarks "
        "such as WikiText-2/C4 perplexity or zero-shot accuracy.\n"
        "Weak fit: quantization of BERT-style encoders, kernels and systems for quantized inference, "
        "compression surveys.\n"
        "Exclude: quantization of CNNs or diffusion models only, quantum computing, vector quantization "
        "for retrieval without a language model."
    ),
    "research_questions": [
        "Which quantization methods keep a language model's perplexity and accuracy close to full precision "
        "at 4 bits and below, and which baselines do they beat?",
        "How do weight-only, weight-activation and KV-cache quantization differ in the accuracy they lose?",
        "Where does low-bit quantization fail (outlier features, activation ranges, very low bit-widths), "
        "and what do papers propose against it?",
        "Do papers agree when they report the same method, model, benchmark and setting?",
    ],
    "ingest_hour": 2,
    "ingest_minute": 30,
    "ingest_since": "2022-01-01",
}

REVIEWS: list[ReviewSpec] = [LLM_QUANTIZATION]
