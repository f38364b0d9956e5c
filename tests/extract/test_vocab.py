"""The vocabulary of tables (worker.reading.numbers, worker.extract.vocab): numbers as printed,
settings, and what a label says about the method of its row (pure)."""

from __future__ import annotations

import pytest

from worker.extract.receipts import Registry
from worker.extract.tables import axis_bits, model_name
from worker.extract.vocab import interpret_label, parse_setting
from worker.extraction import reference_registry
from worker.reading.numbers import parse_number, split_values


@pytest.fixture(scope="module")
def registry() -> Registry:
    return reference_registry()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31.12", 31.12),
        ("1.3e3", 1300.0),
        ("1.76e5", 176000.0),
        ("571.", 571.0),
        ("38.41%", 38.41),
        ("65.3±0.2", 65.3),
        ("1,596.83", 1596.83),
        ("4,817", 4817.0),
        ("−5.74", -5.74),
        ("12.3*", 12.3),
        ("88.7†", 88.7),
        ("44.57 (1.93×)", 44.57),
        ("-", None),
        ("—", None),
        ("N/A", None),
        ("OOM", None),
        ("nan", None),
        ("1e999", None),
        ("abc", None),
        (None, None),
    ],
)
def test_parse_number_as_printed(text: str | None, value: float | None) -> None:
    assert parse_number(text) == value


def test_split_values_keeps_pairs_and_dashes() -> None:
    assert split_values("84.20/84.67") == ["84.20", "84.67"]
    assert split_values("—/90.9") == ["—", "90.9"]
    assert split_values("45.62/22.85/42.87") == ["45.62", "22.85", "42.87"]
    assert split_values("12.5") == ["12.5"]


def test_parse_setting_patterns() -> None:
    s, rest = parse_setting("W4A16 g128 RTN")
    assert (s.w, s.a, s.g, rest) == (4, 16, 128, "RTN")
    s, _ = parse_setting("W4A8KV4")
    assert (s.w, s.a, s.kv) == (4, 8, 4)
    s, rest = parse_setting("W4/8A16 (ZeroQuant)")
    assert (s.w, s.a, rest) == (4, 16, "(ZeroQuant)")
    s, _ = parse_setting("INT3-g128")
    assert (s.w, s.g) == (3, 128)
    s, _ = parse_setting("4-bit, group size of 64")
    assert (s.w, s.g) == (4, 64)
    assert parse_setting("FP16")[0].full_precision
    assert parse_setting("BFloat16")[0].full_precision
    assert parse_setting("NFloat4 + DQ")[0].w == 4


def test_bits_under_a_bits_axis_go_to_the_right_operand() -> None:
    assert axis_bits("INT8", "A-bits").a == 8  # type: ignore[union-attr]
    assert axis_bits("INT4", "W-bits").w == 4  # type: ignore[union-attr]
    assert axis_bits("4", "KV bits").kv == 4  # type: ignore[union-attr]
    assert axis_bits("dINT4", "W/V-bits").note == "dINT4"  # type: ignore[union-attr]
    assert axis_bits("GPTQ", "Method") is None


def test_model_names_as_printed() -> None:
    assert model_name("LLaMA-2-7B") == "LLaMA-2-7B"
    assert model_name("EleutherAI/gpt-j-6B") == "gpt-j-6B"  # a hub id by its name part
    assert model_name("decapoda-research/llama-7b-hf") == "llama-7b-hf"
    assert model_name("YOLOv5l") == "YOLOv5l"
    assert model_name("Self-Instruct") == ""


def test_labels_resolve_through_aliases(registry: Registry) -> None:
    assert interpret_label("OPTQ", registry, []).method == "GPTQ"
    assert interpret_label("round-to-nearest", registry, []).method == "RTN"
    assert interpret_label("Q-BERT (Shen et al., 2020)", registry, []).method == "Q-BERT"
    assert interpret_label("Absmax LLM.int8() (vector-wise + decomp)", registry, []).method == "LLM.int8()"
    ours = interpret_label("Ours", registry, ["FastQ"])
    assert (ours.method, ours.ours) == ("FastQ", True)
    assert interpret_label("FastQ", registry, ["FastQ"]).ours  # the paper's method by its name
    for label in ("FP32 (teacher)", "W16A16 (Baseline)", "32-bit Float", "BF16 replication", "Dense", "BFloat16"):
        info = interpret_label(label, registry, [])
        assert info.method == "FP16" and info.full_precision, label
    # a number format alone is not LLM.int8(), although "int8" is one of its aliases
    assert interpret_label("INT8", registry, []).method == ""
    assert interpret_label("INT4 (Group size=32)", registry, []).format_name == "INT4"
    assert interpret_label("Float4 (E2M1)", registry, []).format_name == "Float4 (E2M1)"
    info = interpret_label("W4A4 (symmetric)", registry, [])
    assert (info.method, info.setting.w, info.setting.a) == ("symmetric", 4, 4)
    assert interpret_label("Mean", registry, []).method == ""


def test_names_as_printed_for_variants_formats_and_models(registry: Registry) -> None:
    assert interpret_label("QLoRA Int8", registry, []).method == "QLoRA Int8"  # a method at a number format
    assert interpret_label("Int8 absmax", registry, []).method == "Int8 absmax"
    assert interpret_label("NFloat4 + DQ", registry, []).method == "NFloat4 + DQ"
    assert interpret_label("OBQ – sequential", registry, []).method == "OBQ – sequential"
    assert interpret_label("LLaMA no tuning", registry, []).method == "LLaMA no tuning"
    variant = interpret_label("w/o scaling", registry, ["FastQ"])
    assert (variant.method, variant.variant, variant.setting.note) == ("FastQ", True, "w/o scaling")
    # a column header never reads as an ablation
    assert not interpret_label("w/ Outlier", registry, ["FastQ"], row=False).variant
