"""The synthesis document as Markdown: every section the page shows, with the same citations. Text a
paper or a curator controls goes through `markdown_text`, so it never becomes a link, HTML or a table."""

from __future__ import annotations

from typing import Any

from config.text_safety import markdown_text as md
from reviews.models import Review, SynthesisDraft
from reviews.synthesis_compose import SECTIONS, SYNTHESIS_PARTS

TITLES = dict(SECTIONS)


def cited(s: dict[str, Any]) -> str:
    """A sentence with its quote and citations: `text “quote” (Lin et al., 2023, p. 6, Table 5)`."""
    parts = [md(s["text"])] if s.get("text") else []
    if s.get("quote"):
        parts.append(f"“{md(s['quote'])}”")
    cites = "; ".join(
        ", ".join(
            [md(c["label"]) + f" \\[arXiv:{md(c['paper'])}\\]"]
            + ([f"p. {c['page']}"] if c.get("page") else [])
            + ([md(c["locator"])] if c.get("locator") else [])
        )
        for c in s.get("cites", [])
    )
    return " ".join(parts) + (f" ({cites})" if cites else "")


def _bullets(sentences: list[dict[str, Any]], empty: str = "Nothing yet.") -> list[str]:
    return [f"- {cited(s)}" for s in sentences] or [f"- {empty}"]


def _method(m: dict[str, Any]) -> list[str]:
    papers = m["papers"]
    lines = [
        f"- Ingestion window: arXiv from {m['since'] or 'the first run'} to {m['until'] or 'not ingested yet'}; "
        f"included papers published {m['first_published'] or '?'} to {m['last_published'] or '?'}.",
        f"- Categories: {md(', '.join(m['categories']))}. Query terms: {md(', '.join(m['query_terms']))}."
        + (f" Exclusion terms: {md(', '.join(m['exclude_terms']))}." if m["exclude_terms"] else ""),
        f"- Inclusion criteria: {md(m['criteria']) or 'none written'}",
        f"- Basis: {m['basis']}.",
        "- Extractors: "
        + (
            "; ".join(f"{md(e['name'])} {md(e['version'])} ({e['receipts']} receipts)" for e in m["extractors"])
            or "none yet"
        )
        + ". Parsers: "
        + ("; ".join(f"{md(p['version'])} ({p['papers']} papers)" for p in m["parsers"]) or "none yet")
        + ".",
        f"- Papers: {papers['found']} found, {papers['included']} included; fit "
        + ", ".join(f"{k}: {v}" for k, v in papers["fit"].items())
        + "; screening "
        + ", ".join(f"{k}: {v}" for k, v in papers["screening"].items())
        + f"; {papers['fit_by_curators']} fits set by curators.",
        "- Curation of receipts: " + ", ".join(f"{k}: {v}" for k, v in m["curation"].items()) + ".",
    ]
    return lines


def _gate(g: dict[str, Any]) -> list[str]:
    lines = [
        f"Verdict: **{'ready' if g['ready'] else 'not ready'}**",
        "",
        f"- Full-text verified rows: {g['verified']} of {g['claims']} claims",
        f"- Preliminary rows (abstract only): {g['preliminary']} ({g['preliminary_with_numbers']} with numbers)",
        f"- Unsupported rows: {g['unsupported']}",
        f"- Out-of-scope papers: {g['out_of_scope']}; weak-fit papers: {g['weak_scope']}",
    ]
    lines += [f"- Blocking: {md(reason)}" for reason in g["reasons"]]
    for name, key in (("verified", "verified_example"), ("preliminary", "preliminary_example")):
        if g.get(key):
            lines.append(f"- Example {name} row: {cited(g[key])}")
    return lines


def _evidence_base(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| Paper | Role | Core claim | Source depth | Claim status | Taxonomy fit |", "|---|---|---|---|---|---|"]
    for r in rows:
        claim = cited(r["claim"]) if r["claim"] else "—"
        lines.append(
            f"| {md(r['label'])} \\[arXiv:{md(r['paper'])}\\] | {md(r['role'])} | {claim} | {md(r['depth'])} "
            f"| {md(r['status'])} | {md(r['fit'])} |"
        )
    return lines


def _comparison(c: dict[str, Any]) -> list[str]:
    lines = [
        f"Like with like: the same method, benchmark, model and setting; flagged when the spread reaches "
        f"{c['threshold']:.0%}.",
        "",
        "| Method | Benchmark | Model | Setting | Values (paper, page) | Spread | Flag |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in c["rows"]:
        values = "; ".join(
            f"{md(v['value'])} ({md(v['label'])}" + (f", p. {v['page']}" if v.get("page") else "") + ")"
            for v in r["values"]
        )
        if r.get("papers", 0) > len(r["values"]):
            values += f"; {len(r['values'])} of {r['papers']} papers shown"
        flag = "reference row" if r["reference"] else ("disagree" if r["flagged"] else "agree")
        lines.append(
            f"| {md(r['method'])} | {md(r['benchmark'])} | {md(r['model'])} | {md(r['setting'])} | {values} "
            f"| {r['spread']:.0%} | {flag} |"
        )
    if not c["rows"]:
        lines = [lines[0], "", "No number is reported by two papers for the same cell yet."]
    if c.get("unmatched"):
        lines += ["", "Numeric claims no other paper measures yet:", "", *_bullets(c["unmatched"])]
    return lines


def _references(refs: list[dict[str, Any]]) -> list[str]:
    return [
        f"- \\[{md(r['key'])}\\] {md(', '.join(r['authors']) or 'Anonymous')} ({r['year'] or 'n.d.'}). "
        f"{md(r['title'])}. arXiv:{md(r['arxiv_id'])}. https://arxiv.org/abs/{md(r['arxiv_id'])}"
        + (f" doi:{md(r['doi'])}" if r["doi"] else "")
        for r in refs
    ]


def _audit(a: dict[str, Any], dropped: list[dict[str, str]]) -> list[str]:
    score = f"{a['proof_score']:.3f}" if a["proof_score"] is not None else "not computed (no quote checked yet)"
    lines = [
        "- Claims: " + ", ".join(f"{k}: {v}" for k, v in a["claims"].items()),
        "- Quotes: " + ", ".join(f"{k}: {v}" for k, v in a["quotes"].items()),
        f"- Proof score (quote re-verification): {score}, {a['found']} of {a['checked']} checked quotes found "
        f"again (minimum {a['threshold']})",
        f"- Sentences dropped from the model's prose: {len(dropped)}",
    ]
    if a.get("missing"):
        lines += ["- Quotes not found again in the paper's current text:", *(f"  - {cited(s)}" for s in a["missing"])]
    lines += [f"  - {md(d['section'])}: “{md(d['text'])}” ({md(d['reason'])})" for d in dropped]
    return lines


def document_markdown(review: Review, doc: dict[str, Any], draft: SynthesisDraft | None) -> str:
    if not doc:
        return f"# {md(review.title)}: synthesis draft\n\nNo draft has been written yet.\n"
    written = draft.finished_at.date().isoformat() if draft and draft.finished_at else ""
    author = (
        "composed from the review's receipts"
        if doc["generator"] == "receipts"
        else f"written by {md(doc['generator'])}"
    )
    lines = [
        f"# {md(doc['title'])}",
        "",
        f"Draft of {written}, {author}; every finding cites its papers and pages.",
        "",
    ]
    body: list[tuple[str, list[str]]] = [
        ("abstract", [" ".join(cited(s) for s in doc["abstract"])]),
        ("questions", [f"{n}. {md(q)}" for n, q in enumerate(doc["questions"], start=1)]),
        ("method", _method(doc["method"])),
        ("gate", _gate(doc["gate"])),
        ("evidence_base", _evidence_base(doc["evidence_base"])),
        ("findings", _findings(doc["findings"])),
        ("synthesis", _synthesis(doc["synthesis"])),
        ("comparison", _comparison(doc["comparison"])),
        ("limitations", _bullets(doc["limitations"])),
        ("references", _references(doc["references"])),
        ("audit", _audit(doc["audit"], doc["dropped"])),
    ]
    for key, section in body:
        lines += [f"## {TITLES[key]}", "", *section, ""]
    return "\n".join(lines)


def _findings(found: list[dict[str, Any]]) -> list[str]:
    lines = []
    for n, f in enumerate(found, start=1):
        lines += [f"### RQ{n}. {md(f['question'])}", "", *_bullets(f["sentences"], md(f["empty"])), ""]
    return lines


def _synthesis(parts: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    for key, title in SYNTHESIS_PARTS:
        lines += [f"### {title}", "", *_bullets(parts[key]), ""]
    return lines
