import pytest

from baselines.models import Method, MethodFamily
from baselines.reference import METHODS
from benchmarks.models import Benchmark, Direction
from reviews.models import Review
from reviews.services import load_reference_data
from worker.reading.arxiv_ids import split_arxiv_id


@pytest.mark.django_db
def test_loading_twice_adds_nothing_the_second_time():
    first = load_reference_data()
    counts = (Review.objects.count(), Method.objects.count(), Benchmark.objects.count())
    second = load_reference_data()
    assert first.methods_created >= 40 and first.benchmarks_created >= 20 and first.reviews_created == 1
    assert (second.reviews_created, second.methods_created, second.benchmarks_created, second.aliases_created) == (
        0,
        0,
        0,
        0,
    )
    assert (Review.objects.count(), Method.objects.count(), Benchmark.objects.count()) == counts


@pytest.mark.django_db
def test_the_llm_quantization_review_has_a_real_scope():
    load_reference_data()
    review = Review.objects.get(slug="llm-quantization")
    assert "cs.LG" in review.arxiv_categories
    assert "quantization" in review.query_terms
    assert "Exclude" in review.inclusion_criteria


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("spelling", "canonical", "arxiv_id"),
    [
        ("OPTQ", "GPTQ", "2210.17323"),
        ("AWQ", "AWQ", "2306.00978"),
        ("Smooth Quant", "SmoothQuant", "2211.10438"),
        ("LLM.int8", "LLM.int8()", "2208.07339"),
        ("ZeroQuant", "ZeroQuant", "2206.01861"),
        ("QuIP#", "QuIP#", None),
        ("Outlier Suppression+", "OS+", None),
    ],
)
def test_well_known_methods_resolve_with_their_introducing_paper(spelling, canonical, arxiv_id):
    load_reference_data()
    method = Method.objects.by_name(spelling)
    assert method is not None and method.name == canonical
    assert method.introduced_by is not None
    if arxiv_id:
        assert method.introduced_by.arxiv_id == arxiv_id


@pytest.mark.django_db
def test_reference_points_have_no_introducing_paper():
    load_reference_data()
    rtn = Method.objects.by_name("round-to-nearest")
    assert rtn is not None and rtn.name == "RTN"
    assert rtn.family == MethodFamily.REFERENCE and rtn.introduced_by is None


@pytest.mark.django_db
def test_quip_and_quip_sharp_stay_distinct_methods():
    load_reference_data()
    assert Method.objects.by_name("QuIP") != Method.objects.by_name("QuIP#")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("spelling", "canonical", "direction"),
    [
        ("wiki2", "WikiText-2", Direction.LOWER),
        ("C4", "C4", Direction.LOWER),
        ("ARC-Easy", "ARC-e", Direction.HIGHER),
        ("HellaSwag", "HellaSwag", Direction.HIGHER),
        ("MMLU", "MMLU", Direction.HIGHER),
    ],
)
def test_benchmarks_resolve_with_their_direction(spelling, canonical, direction):
    load_reference_data()
    benchmark = Benchmark.objects.by_name(spelling)
    assert benchmark is not None and benchmark.name == canonical and benchmark.direction == direction


def test_every_registry_arxiv_id_is_well_formed_and_unversioned():
    for spec in METHODS:
        if spec["arxiv_id"]:
            assert split_arxiv_id(spec["arxiv_id"]) == (spec["arxiv_id"], None), spec["name"]
            assert spec["title"], spec["name"]
