"""The registry's spelling of model names, shared by extraction and the leaderboards."""

import pytest

from worker.extract.names import is_model_size, normalize_model_name


@pytest.mark.parametrize(
    ("printed", "spelled"),
    [
        ("GPT-31.3B", "GPT-3-1.3B"),  # GPT-3 with 1.3B as a subscript, run together in the PDF's text
        ("GPT-3350M", "GPT-3-350M"),
        ("GPT-3 1.3B", "GPT-3-1.3B"),
        ("LLaMA-2-7B", "LLaMA-2-7B"),
        ("Llama 2 70B", "LLaMA-2-70B"),
        ("LLaMA 7B", "LLaMA-7B"),
        ("llama-2-13b", "LLaMA-2-13B"),
        ("LLaMA-13B", "LLaMA-13B"),  # not LLaMA-1 at 3B: only GPT's version is one digit by rule
        ("OPT-6.7B", "OPT-6.7B"),
        ("opt-125m", "OPT-125M"),
        ("BERTbase", "BERT-base"),
        ("RoBERTa-large", "RoBERTa-large"),
        ("gpt-neox-20b", "GPT-NeoX-20B"),
        ("Mixtral-8x7b", "Mixtral-8x7B"),
        ("Qwen2-7B", "Qwen2-7B"),
        ("GPT-3", "GPT-3"),
        ("OPTQ", "OPTQ"),  # a method that starts like a family
        ("OpenFlamingo-9B", "OpenFlamingo-9B"),
        ("2.7B", "2.7B"),
        ("  ", ""),
        ("", ""),
    ],
)
def test_model_names_get_the_registry_spelling(printed, spelled):
    assert normalize_model_name(printed) == spelled


def test_spelling_a_name_twice_changes_nothing():
    for name in ("GPT-31.3B", "Llama 2 70B", "BERTbase", "gpt-j-6B"):
        assert normalize_model_name(normalize_model_name(name)) == normalize_model_name(name)


def test_a_bare_size_is_a_model_without_its_family():
    assert is_model_size("2.7B") and is_model_size("125M")
    assert not is_model_size("OPT-2.7B")
