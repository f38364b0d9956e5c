import pytest

from worker.extract.names import name_slug, normalize_name


@pytest.mark.parametrize(
    ("a", "b"),
    [("LLM.int8()", "llm int8"), ("Smooth-Quant", "smoothquant"), ("ARC-e", "ARC e"), ("Wiki–Text 2", "wikitext2")],
)
def test_spellings_of_one_name_normalise_alike(a, b):
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [("QuIP#", "QuIP"), ("OS+", "OS"), ("GPTQ", "GPTVQ")])
def test_different_methods_stay_apart(a, b):
    assert normalize_name(a) != normalize_name(b)


def test_slugs_keep_sharp_and_plus_variants_apart():
    assert name_slug("QuIP#") == "quip-sharp"
    assert name_slug("QuIP") == "quip"
    assert name_slug("OS+") == "os-plus"
    assert name_slug("LLM.int8()") == "llm-int8"
