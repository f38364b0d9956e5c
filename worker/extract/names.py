"""Name normalisation shared by the method and benchmark registries (pure, no Django)."""

import functools
import re
import unicodedata
from collections.abc import Callable

# Characters that spell the same name differently ("LLM.int8()" / "LLM int8", "ARC-e" / "ARC e").
# '#' and '+' stay: QuIP# is not QuIP and OS+ is not OS.
_IGNORED = re.compile(r"[\s\-_.()'’‘`·,:;/\\]+")


def normalize_name(name: str) -> str:
    """The lookup key of a method or benchmark name: case-folded, without spacing and punctuation."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _IGNORED.sub("", folded.replace("–", "-").replace("—", "-"))


def name_slug(name: str) -> str:
    """A URL slug that keeps QuIP# and QuIP (or OS+ and OS) apart."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.replace("#", " sharp ").replace("+", " plus ")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "method"


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... when ``taken`` says a slug is in use: two names can
    slug alike ("AQAS + dINT4" and "AQAS+dINT4 ")."""
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


# Model families as the registry spells them, keyed by their case-folded spelling: "llama 2 7b",
# "Llama-2-7B" and "LLaMA-2-7B" are one board, not three. Longest spellings are tried first.
_MODEL_FAMILIES = {
    f.casefold(): f
    for f in (
        "LLaMA", "CodeLlama", "OPT", "BLOOM", "BLOOMZ", "GPT", "GPT-J", "GPT-Neo", "GPT-NeoX", "Pythia", "Falcon",
        "Mistral", "Mixtral", "Qwen", "Vicuna", "Gemma", "Phi", "BERT", "RoBERTa", "DeBERTa", "DistilBERT", "BART",
        "T5", "Flan-T5", "MPT", "OLMo", "StableLM", "InternLM", "Baichuan", "ChatGLM", "DeepSeek", "ResNet", "ViT",
    )
}  # fmt: skip
_FAMILY_AT_START = re.compile(
    "^(?P<family>" + "|".join(re.escape(f) for f in sorted(_MODEL_FAMILIES, key=len, reverse=True)) + ")",
    re.IGNORECASE,
)
_MODEL_SIZE = re.compile(r"^(?:\d+(?:\.\d+)?[BMK]|\d+x\d+B)$", re.IGNORECASE)
# A size printed as a subscript runs into the name in the PDF's text: "BERTbase", "GPT-31.3B" (GPT-3
# at 1.3B), "GPT-3350M". GPT's version is one digit, so the digits after it are the size.
_GLUED_SIZE_WORD = re.compile(r"^(?P<word>base|large|small|medium|tiny|xl|xxl)$", re.IGNORECASE)
_GLUED_GPT_SIZE = re.compile(r"^(?P<sep>-?)(?P<version>[234])(?P<size>\d+(?:\.\d+)?[BMK])$", re.IGNORECASE)


def is_model_size(text: str) -> bool:
    """A bare size ("2.7B", "125M", "8x7B"): a model whose family the name does not say."""
    return bool(_MODEL_SIZE.match(text.strip()))


def _size_case(size: str) -> str:
    return size[:-1] + size[-1].upper()  # "7b" → "7B", "8x7b" → "8x7B"


# Pure and called once per stored result when leaderboards are rebuilt (1,000,000 calls at scale,
# over a few hundred distinct spellings): remembered, it costs a dictionary lookup.
@functools.lru_cache(maxsize=8192)
def normalize_model_name(name: str) -> str:
    """The registry's spelling of a model name (pure; used by extraction and the leaderboards).

    A known family gets its registry spelling, sizes upper-case, and the pieces after it are joined
    by "-": "Llama 2 70B" → "LLaMA-2-70B", "LLaMA 7B" → "LLaMA-7B", "opt-6.7b" → "OPT-6.7B". A size that
    ran into the name is split off: "GPT-31.3B" → "GPT-3-1.3B", "BERTbase" → "BERT-base". Other names
    keep their letters, with spacing tidied; a bare size stays a bare size and "" stays ""."""
    text = unicodedata.normalize("NFKC", name).replace("–", "-").replace("—", "-")
    text = re.sub(r"\s+", " ", text).strip(" -_")
    match = _FAMILY_AT_START.match(text)
    if not match:
        return _size_case(text) if is_model_size(text) else text
    family, rest = _MODEL_FAMILIES[match.group("family").casefold()], text[match.end() :]
    if rest and rest[0].isalpha() and not _GLUED_SIZE_WORD.match(rest):
        return text  # "Phixtral", "OPTQ": another name that starts like a family
    glued = _GLUED_GPT_SIZE.match(rest) if family == "GPT" else None
    if glued:
        rest = f"{glued.group('sep')}{glued.group('version')}-{glued.group('size')}"
    elif _GLUED_SIZE_WORD.match(rest):
        rest = f"-{rest}"
    attached, _, tail = re.match(r"^([^\s_-]*)(([\s_-]+.*)?)$", rest).group(1, 2, 3)
    pieces = [_size_case(p) if is_model_size(p) else p for p in re.split(r"[\s_-]+", tail or "") if p]
    return "-".join([family + attached, *pieces])
