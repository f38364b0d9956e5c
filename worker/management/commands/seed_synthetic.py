"""Make a large, realistic synthetic review for scale tests and benchmarks (never for real use).

Shapes follow the literature: a few baselines (GPTQ, AWQ, RTN, ...) are reported by most papers,
benchmarks and models are Zipf-distributed, values depend on bits, and each paper proposes one
method that it reports beating some baselines.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodAlias, MethodFamily
from benchmarks.models import Benchmark, BenchmarkResult, Direction
from config.planner import refresh_statistics
from papers.models import Paper
from reviews.models import Review, ReviewPaper, TaxonomyFit
from reviews.services import load_reference_data
from worker.ops.benchserver import SYNTHETIC_SLUG, add_scale_arguments

BATCH = 5000
SEEDED_MODELS = (Paper, ReviewPaper, Method, MethodAlias, BenchmarkResult, BeatsReceipt, CritiqueReceipt)
MODELS = [
    "LLaMA-2-7B",
    "LLaMA-2-13B",
    "LLaMA-2-70B",
    "LLaMA-3-8B",
    "LLaMA-3-70B",
    "OPT-6.7B",
    "OPT-13B",
    "OPT-66B",
    "Mistral-7B",
    "Qwen2-7B",
    "BLOOM-176B",
    "Falcon-40B",
    "Mixtral-8x7B",
    "Phi-3-mini",
]
SETTINGS = [
    ("W4A16 g128", 4, 16),
    ("W3A16 g128", 3, 16),
    ("W4A16", 4, 16),
    ("W2A16 g64", 2, 16),
    ("W8A8", 8, 8),
    ("W4A4", 4, 4),
    ("W4A8KV4", 4, 8),
    ("W6A6", 6, 6),
    ("W16A16", 16, 16),
]
BENCHMARKS = [
    "WikiText-2",
    "C4",
    "PTB",
    "PIQA",
    "ARC-e",
    "ARC-c",
    "HellaSwag",
    "WinoGrande",
    "LAMBADA",
    "MMLU",
    "BoolQ",
    "GSM8K",
]
BASELINES = [
    "RTN",
    "GPTQ",
    "AWQ",
    "SmoothQuant",
    "OmniQuant",
    "QuaRot",
    "SpinQuant",
    "LLM.int8()",
    "QuIP#",
    "AQLM",
    "SpQR",
    "ZeroQuant",
    "FP16",
]
CRITIQUES = [
    "{m} fails to preserve accuracy below 4 bits.",
    "{m} suffers from outliers in activations.",
    "{m} relies on a costly calibration step that does not scale.",
    "{m} degrades sharply at W4A4.",
]


def zipf_choice(rng: random.Random, items: list[Any], skew: float = 1.1) -> Any:
    weights = [1 / (i + 1) ** skew for i in range(len(items))]
    return rng.choices(items, weights=weights)[0]


class Command(BaseCommand):
    help = "Fill a review with synthetic papers, results and receipts for scale tests (deterministic)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scale_arguments(parser)
        parser.add_argument("--review", default=SYNTHETIC_SLUG)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rng = random.Random(options["seed"])
        load_reference_data()
        review, _ = Review.objects.get_or_create(
            slug=options["review"],
            defaults={
                "title": "Synthetic scale review",
                "tagline": "Generated data for scale tests.",
                "arxiv_categories": ["cs.LG"],
                "query_terms": ["quantization"],
                "ingest_enabled": False,
            },
        )
        if ReviewPaper.objects.filter(review=review).exists():
            self.stdout.write(f"{review.slug} already has papers; nothing added")
            return
        with transaction.atomic():
            papers = self._papers(review, options["papers"], rng)
            methods = self._methods(papers, rng)
            self._results(papers, methods, options["results"], rng)
            self._receipts(papers, methods, options["receipts"], rng)
        Review.objects.filter(pk=review.pk).update(derived_dirty=True)
        # A bulk load leaves SQLite without statistics (and PostgreSQL's autovacuum behind): without
        # them the planner reads a million results by status where one paper's were wanted.
        refresh_statistics([model._meta.db_table for model in SEEDED_MODELS])
        self.stdout.write(
            f"{review.slug}: {len(papers)} papers, {options['results']} results, {options['receipts']} receipts "
            f"in {time.perf_counter() - started:.0f} s"
        )

    def _papers(self, review: Review, count: int, rng: random.Random) -> list[tuple[int, int]]:
        """(paper id, proposed method index) for each new paper."""
        start = timezone.now() - dt.timedelta(days=3 * 365)
        rows = []
        for n in range(count):
            published = start + dt.timedelta(minutes=n * (3 * 365 * 24 * 60) // max(count, 1))
            # Unique, well-formed new-style ids: 99,999 per yymm prefix, from 3001 on (no real paper has them yet).
            prefix = 3001 + (n // 99_999) % 12 + 100 * (n // (99_999 * 12))
            rows.append(
                Paper(
                    arxiv_id=f"{prefix}.{n % 99_999:05d}",
                    title=f"Synthetic quantization paper {n}",
                    authors=[f"Author {n % 997}", f"Author {n % 389}"],
                    abstract="We propose a quantization method and compare it with strong baselines.",
                    categories=["cs.LG"],
                    primary_category="cs.LG",
                    published=published,
                    updated=published,
                )
            )
        Paper.objects.bulk_create(rows, batch_size=BATCH)
        ids = list(
            Paper.objects.filter(title__startswith="Synthetic quantization paper")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ReviewPaper.objects.bulk_create(
            [ReviewPaper(review=review, paper_id=pk, fit=TaxonomyFit.IN_SCOPE) for pk in ids], batch_size=BATCH
        )
        return [(pk, i) for i, pk in enumerate(ids)]

    def _methods(self, papers: list[tuple[int, int]], rng: random.Random) -> list[int]:
        """Registry baselines first (popular), then one new method for every 25th paper."""
        baselines = [Method.objects.by_name(name) for name in BASELINES]
        new = [
            Method(name=f"SynthQuant-{i}", slug=f"synthquant-{i}", family=MethodFamily.OTHER, introduced_by_id=pk)
            for i, (pk, _) in enumerate(papers[::25])
        ]
        Method.objects.bulk_create(new, batch_size=BATCH)
        created = list(Method.objects.filter(name__startswith="SynthQuant-").values_list("pk", "name"))
        MethodAlias.objects.bulk_create(
            [MethodAlias(method_id=pk, alias=name, normalized=name.lower().replace("-", "")) for pk, name in created],
            batch_size=BATCH,
        )
        return [m.pk for m in baselines if m] + [pk for pk, _ in created]

    def _results(self, papers: list[tuple[int, int]], methods: list[int], total: int, rng: random.Random) -> None:
        benchmarks = {b.name: b for b in Benchmark.objects.filter(name__in=BENCHMARKS)}
        names = [n for n in BENCHMARKS if n in benchmarks]
        baseline_count = len(BASELINES)
        per_paper = max(total // max(len(papers), 1), 1)
        batch: list[BenchmarkResult] = []
        decided = timezone.now()
        made = 0
        for pk, index in papers:
            own = methods[baseline_count + index // 25] if baseline_count + index // 25 < len(methods) else methods[0]
            benchmark = benchmarks[zipf_choice(rng, names)]
            model = zipf_choice(rng, MODELS)
            setting, wbits, abits = zipf_choice(rng, SETTINGS)
            compared = {own, *(methods[min(int(rng.paretovariate(1.2)) - 1, baseline_count - 1)] for _ in range(4))}
            for k in range(per_paper):
                if k and k % len(compared) == 0:
                    benchmark = benchmarks[zipf_choice(rng, names)]
                method = list(compared)[k % len(compared)]
                lower = benchmark.direction == Direction.LOWER
                base = 5.5 + MODELS.index(model) * 0.3 + (16 - wbits) * 0.15 if lower else 70 - (16 - wbits) * 1.2
                value = round(base * (1 + rng.uniform(-0.08, 0.12)), 2)
                batch.append(
                    BenchmarkResult(
                        paper_id=pk,
                        method_id=method,
                        benchmark=benchmark,
                        model_name=model,
                        setting=setting,
                        weight_bits=wbits,
                        activation_bits=abits,
                        value=value,
                        value_text=f"{value:.2f}",
                        page=rng.randint(4, 12),
                        locator=f"Table {rng.randint(1, 6)}",
                        quote=f"{model} {setting} {value:.2f}",
                        extractor="synthetic",
                        extractor_version="1",
                        confidence=0.9,
                        status="approved",
                        decided_at=decided,
                    )
                )
                made += 1
                if len(batch) >= BATCH:
                    BenchmarkResult.objects.bulk_create(batch)
                    batch = []
                if made >= total:
                    break
            if made >= total:
                break
        BenchmarkResult.objects.bulk_create(batch)

    def _receipts(self, papers: list[tuple[int, int]], methods: list[int], total: int, rng: random.Random) -> None:
        baseline_ids = methods[: len(BASELINES)]
        decided = timezone.now()
        critiques, beats = [], []
        for n in range(total):
            pk, index = papers[n % len(papers)]
            target = baseline_ids[min(int(rng.paretovariate(1.1)) - 1, len(baseline_ids) - 1)]
            provenance = {
                "paper_id": pk,
                "page": rng.randint(1, 10),
                "extractor": "synthetic",
                "extractor_version": "1",
                "confidence": 0.8,
                "status": "approved",
                "decided_at": decided,
            }
            if n % 5 < 2:
                name = BASELINES[baseline_ids.index(target)]
                critiques.append(
                    CritiqueReceipt(method_id=target, quote=rng.choice(CRITIQUES).format(m=name), **provenance)
                )
            else:
                own = methods[min(len(BASELINES) + index // 25, len(methods) - 1)]
                if own != target:
                    beats.append(
                        BeatsReceipt(
                            method_id=own,
                            baseline_id=target,
                            evidence="table",
                            quote="Ours outperforms the baseline.",
                            **provenance,
                        )
                    )
            if len(critiques) >= BATCH:
                CritiqueReceipt.objects.bulk_create(critiques)
                critiques = []
            if len(beats) >= BATCH:
                BeatsReceipt.objects.bulk_create(beats)
                beats = []
        CritiqueReceipt.objects.bulk_create(critiques)
        BeatsReceipt.objects.bulk_create(beats)
