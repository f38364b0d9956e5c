import pytest
from django.db import IntegrityError, transaction

from baselines.models import Method, MethodAlias
from benchmarks.models import Benchmark, BenchmarkAlias
from tests.factories import make_benchmark, make_method


@pytest.mark.django_db
def test_alias_uniqueness_holds_after_normalisation():
    gptq = make_method("GPTQ")
    MethodAlias.objects.create(method=gptq, alias="OPTQ")
    other = make_method("Other")
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodAlias.objects.create(method=other, alias="o-p-t-q")


@pytest.mark.django_db
def test_a_method_is_found_by_any_spelling_of_its_aliases():
    method = make_method("LLM.int8()")
    MethodAlias.objects.create(method=method, alias="int8 matmul")
    assert Method.objects.by_name("INT8-MatMul") == method
    assert Method.objects.by_name("llm int8") == method
    assert Method.objects.by_name("LLM.INT8()") == method
    assert Method.objects.by_name("nothing like it") is None
    assert Method.objects.by_name("  ") is None


@pytest.mark.django_db
def test_canonical_method_names_are_unique():
    make_method("AWQ")
    with pytest.raises(IntegrityError), transaction.atomic():
        Method.objects.create(name="AWQ", slug="awq-2")


@pytest.mark.django_db
def test_benchmark_alias_uniqueness_and_lookup():
    wiki = make_benchmark("WikiText-2")
    BenchmarkAlias.objects.create(benchmark=wiki, alias="Wiki2")
    assert Benchmark.objects.by_name("wiki 2") == wiki
    other = make_benchmark("C4")
    with pytest.raises(IntegrityError), transaction.atomic():
        BenchmarkAlias.objects.create(benchmark=other, alias="WIKI-2")


@pytest.mark.django_db
def test_metric_direction_decides_which_value_is_better():
    ppl = make_benchmark("PPL bench", direction="lower")
    acc = make_benchmark("Acc bench", direction="higher")
    assert ppl.is_better(5.6, than=5.8) and not ppl.is_better(5.8, than=5.6)
    assert acc.is_better(71.0, than=70.2) and not acc.is_better(70.2, than=71.0)
    assert not ppl.is_better(5.6, than=5.6)


@pytest.mark.django_db
def test_benchmark_direction_outside_lower_or_higher_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        Benchmark.objects.create(name="Odd", slug="odd", metric="ppl", direction="sideways")
