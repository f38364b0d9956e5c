"""The rule-based extractor: results, "beats" edges, critiques and candidate methods from a parsed
PDF, with no network and no model (pure).

Tables come as grids from ``worker.reading``; ``worker.extract.tables`` types every value cell's
header path (method, model, setting, benchmark). Sentences are read by ``worker.extract.text``.
Names are kept as printed when the registry does not know them (they become candidates for
curators), and canonical when it does.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from worker.extract.names import normalize_model_name, normalize_name
from worker.extract.receipts import (
    BeatsClaim,
    CandidateMethod,
    Extraction,
    Provenance,
    Registry,
    ResultReceipt,
    result_problem,
)
from worker.extract.tables import PaperContext, TableCell, TableSource, table_cells
from worker.extract.text import (
    BEAT_VERB_RE,
    analyse_text,
    is_weight_only,
    model_tasks,
    own_method_bits,
    proposed_methods,
    section_models,
    usual_activations,
    usual_tasks,
)
from worker.reading.text import caption_paragraphs, page_sentences, split_sentences

_TABLE_MENTION_RE = re.compile(r"\b(?:Table|Tab\.)\s*(?P<num>[A-Z]?\d+|[IVX]+)\b")


class RuleExtractor:
    name = "rules"
    version = "2"

    def extract(self, document: Any, registry: Registry, *, title: str = "", abstract: str = "") -> Extraction:
        """Results, beats, critiques and candidates of a ``worker.reading.document.ParsedDocument``."""
        pages = list(document.pages)
        sources = table_sources(pages)
        sentences = page_sentences(pages)
        paper = PaperContext(
            proposed=proposed_methods(pages, registry, title, abstract),
            weight_only=is_weight_only(pages),
            own_bits=own_method_bits(pages, title, abstract),
            model_tasks=model_tasks(sentences, registry),
            usual_activations=usual_activations(pages),
            usual_tasks=usual_tasks(sentences, registry),
        )
        if paper.own_bits and paper.own_bits[1] is not None:  # "4-bit weights and activations"
            paper.usual_activations.setdefault(paper.own_bits[0], paper.own_bits[1])
        proposed, weight_only = paper.proposed, paper.weight_only
        models = section_models(sentences, [(s.page, s.locator) for s in sources])
        names: dict[str, tuple[int, str, str]] = {}
        cells: list[TableCell] = []
        for source in sources:
            source.section_model = models.get((source.page, source.locator), "")
            cells.extend(table_cells(source, registry, paper, names))
        # Sentences are read knowing the names the tables print (a critique of "absmax" is of a row).
        text = analyse_text(pages, registry, title=title, abstract=abstract, table_methods=list(names))
        proposed = list(dict.fromkeys([*proposed, *text.proposed]))
        results, invalid = [], Counter[str]()
        for cell in cells:
            receipt = _receipt(cell)
            problem = result_problem(receipt, cell.info.metric if cell.info else "")
            if problem:
                invalid[problem] += 1
            else:
                results.append(receipt)
        caption_beats = _caption_beats(cells, proposed)
        # A row that a caption says "improves upon the baselines", and that no registry entry
        # credits to another paper, is one of this paper's methods.
        for b in caption_beats:
            if b.method not in proposed and not registry.method(b.method):
                proposed.append(b.method)
        own = {normalize_name(p) for p in proposed}
        critiques = [c for c in text.critiques if normalize_name(c.method) not in own]
        beats = _dedupe_beats(_table_beats(cells, proposed) + caption_beats + text.beats)
        candidates: dict[str, CandidateMethod] = {}
        for name, (page, locator, quote) in names.items():
            if not registry.method(name):
                candidates[name] = CandidateMethod(name, Provenance(page, locator, quote, 0.4))
        for name, prov in text.candidates:
            if name not in candidates and not registry.method(name):
                candidates[name] = CandidateMethod(name, prov)
        return Extraction(
            extractor=self.name,
            version=self.version,
            proposed=proposed,
            results=results,
            beats=beats,
            critiques=critiques,
            candidates=list(candidates.values()),
            stats={"tables": len(sources), "pages": len(pages), "weight_only": weight_only, "invalid": dict(invalid)},
        )


def table_sources(pages: list[Any]) -> list[TableSource]:
    """Every table of the document with its whole caption and the sentences that point at it."""
    mentions: dict[str, list[str]] = defaultdict(list)
    for sentence in page_sentences(pages):
        for m in _TABLE_MENTION_RE.finditer(sentence.text):
            mentions[m.group("num")].append(sentence.text)
    sources = []
    for page in pages:
        paragraphs = caption_paragraphs(page.text)
        for table in page.tables:
            m = re.match(r"\s*(?:Table|TABLE|Tab\.)\s*(?P<num>[A-Z]?\d+|[IVX]+)", table.caption)
            number = m.group("num") if m else ""
            caption = paragraphs.get(number, table.caption) if number else table.caption
            sources.append(
                TableSource(
                    page=page.number,
                    locator=f"Table {number}" if number else "Table",
                    caption=caption,
                    grid=table.grid,
                    mentions=" ".join(s for s in mentions.get(number, []) if not s.startswith(("Table", "TABLE"))),
                )
            )
    return sources


def _receipt(c: TableCell) -> ResultReceipt:
    conf = 0.5 + 0.2 * c.known + 0.2 * bool(c.info)
    return ResultReceipt(
        method=c.method,
        model=normalize_model_name(c.model),
        setting=c.setting.text(),
        benchmark=c.benchmark,
        value=c.value,
        provenance=Provenance(c.table.page, c.table.locator, c.quote, round(min(conf, 0.9), 2)),
        value_text=c.value_text,
        metric=c.metric,
        row_label=c.row_label,
        column_label=c.column_label,
        weight_bits=c.setting.w,
        activation_bits=c.setting.a,
        kv_bits=c.setting.kv,
        group_size=c.setting.g,
        benchmark_inferred=c.benchmark_inferred,
    )


# --------------------------------------------------------------------------------------------
# Beats


def _is_variant(method: str, proposed: list[str]) -> bool:
    """ "ZeroQuant-LKD", "AWQ+GPTQ", "Ours w/o X": a configuration of the paper's own method."""
    key = normalize_name(method)
    parts = {normalize_name(x) for x in re.split(r"\s*(?:\+|&|\bw/o?\b|\bwith\b)\s*", method) if x.strip()}
    for p in proposed:
        pk = normalize_name(p)
        if key != pk and pk and (key.startswith(pk) or (len(parts) > 1 and pk in parts)):
            return True
    return False


def _table_beats(cells: list[TableCell], proposed: list[str]) -> list[BeatsClaim]:
    """The paper's method beats a baseline when it wins most of their comparisons: same table
    slot (benchmark, model), same model and a compatible setting, by the metric's direction."""
    own = {normalize_name(p) for p in proposed}
    by_slot: dict[tuple[Any, ...], list[TableCell]] = defaultdict(list)
    for c in cells:
        by_slot[c.compare].append(c)
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    evidence: dict[tuple[str, str], tuple[TableCell, TableCell]] = {}
    for group in by_slot.values():
        mine = [c for c in group if normalize_name(c.method) in own]
        others = [
            c
            for c in group
            if normalize_name(c.method) not in own and not c.full_precision and not _is_variant(c.method, proposed)
        ]
        for m in mine:
            for b in others:
                if m.model != b.model or not m.setting.compatible(b.setting) or m.value == b.value:
                    continue
                if m.setting.w is None and b.setting.w is not None and m.setting.g != b.setting.g:
                    continue
                won = m.value < b.value if m.lower_better else m.value > b.value
                key = (m.method, b.method)
                tally[key][0 if won else 1] += 1
                if won and (key not in evidence or m.info is not None):
                    evidence[key] = (m, b)
    beats = []
    for key, (wins, losses) in tally.items():
        if wins > losses and wins >= 1 and key in evidence:
            m, b = evidence[key]
            beats.append(
                BeatsClaim(
                    method=key[0],
                    baseline=key[1],
                    provenance=Provenance(
                        m.table.page,
                        m.table.locator,
                        f"{m.quote} | {b.quote}",
                        round(min(0.9, 0.5 + 0.05 * (wins - losses)), 2),
                    ),
                    evidence="table",
                    benchmark=m.benchmark,
                    model=m.model,
                    setting=m.setting.text(),
                    method_value=m.value,
                    baseline_value=b.value,
                )
            )
    return beats


_BASELINES_RE = re.compile(
    r"^\s*(?:(?:the|all|other|existing|prior|previous|competing|several|these)\s+)*"
    r"(?:baselines?|baseline methods|methods|approaches|competitors|counterparts)\b",
    re.IGNORECASE,
)


def _caption_beats(cells: list[TableCell], proposed: list[str]) -> list[BeatsClaim]:
    """ "We can see that vector-wise quantization improves upon the baselines" under a table: the
    named row beats the table's other rows (full precision and the paper's variants excepted)."""
    by_table: dict[int, list[TableCell]] = defaultdict(list)
    for c in cells:
        by_table[id(c.table)].append(c)
    out: list[BeatsClaim] = []
    for group in by_table.values():
        table = group[0].table
        methods = list(dict.fromkeys(c.method for c in group if not c.full_precision))
        for sentence in split_sentences(table.caption):
            out += _caption_sentence_beats(table, sentence, methods, proposed)
    return out


def _caption_sentence_beats(
    table: TableSource, sentence: str, methods: list[str], proposed: list[str]
) -> list[BeatsClaim]:
    """The beats one caption sentence states: its subject, a table row, over "the baselines"."""
    keys = {normalize_name(m): m for m in methods}
    out: list[BeatsClaim] = []
    for verb in BEAT_VERB_RE.finditer(sentence):
        if not _BASELINES_RE.match(sentence[verb.end() :]):
            continue
        subject = _caption_subject(re.findall(r"[\w\-.()+#]+", sentence[: verb.start()]), keys)
        if subject is None:
            continue
        for baseline in methods:
            if baseline == subject or _is_variant(baseline, [subject, *proposed]):
                continue
            out.append(
                BeatsClaim(
                    method=subject,
                    baseline=baseline,
                    provenance=Provenance(table.page, table.locator, sentence[:600], 0.6),
                    evidence="sentence",
                )
            )
    return out


def _caption_subject(words: list[str], keys: dict[str, str]) -> str | None:
    """The table's method named last before the verb, longest name first."""
    subject = None
    for size in (3, 2, 1):
        for i in range(len(words) - size, -1, -1):
            key = normalize_name(" ".join(words[i : i + size]))
            if key in keys:
                subject = keys[key]
                break
        if subject:
            break
    return subject


def _dedupe_beats(beats: list[BeatsClaim]) -> list[BeatsClaim]:
    seen: dict[tuple[str, str], BeatsClaim] = {}
    for b in beats:
        key = (normalize_name(b.method), normalize_name(b.baseline))
        if key[0] == key[1]:
            continue
        if key not in seen or (seen[key].evidence != "table" and b.evidence == "table"):
            seen[key] = b
    return list(seen.values())
