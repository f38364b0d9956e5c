"""Bad corrections are refused where they enter (form, service, admin): a form error, never a 500,
and nothing in the database changes."""

import math

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from baselines import curation
from baselines.forms import CorrectForm
from baselines.models import CuratorDecision
from benchmarks.models import BenchmarkResult, Direction
from tests.factories import make_beats, make_benchmark, make_method, make_result


@pytest.fixture
def mmlu_result(db):
    mmlu = make_benchmark("MMLU", direction=Direction.HIGHER)
    return make_result(method=make_method("GPTQ"), benchmark=mmlu, model_name="LLaMA-2-7B", value=45.3)


@pytest.fixture
def wikitext_result(db):
    return make_result(method=make_method("AWQ"), benchmark=make_benchmark("WikiText-2"), value=5.6)


def form_data(result, **overrides):
    data = {
        "method": result.method.name,
        "model_name": result.model_name,
        "setting": result.setting,
        "benchmark": result.benchmark.name,
        "value": str(result.value),
    }
    data.update(overrides)
    return data


def assert_unchanged(result):
    stored = BenchmarkResult.objects.get(pk=result.pk)
    assert (stored.status, stored.value, stored.model_name, stored.setting, stored.benchmark_id) == (
        "pending",
        result.value,
        result.model_name,
        result.setting,
        result.benchmark_id,
    )
    assert not CuratorDecision.objects.exists()


BAD_VALUES = [
    ("mmlu_result", {"value": "-1"}, "value", "between 0 and 100"),
    ("mmlu_result", {"value": "100.5"}, "value", "between 0 and 100"),
    ("wikitext_result", {"value": "0"}, "value", "above 0"),
    ("mmlu_result", {"value": "nan"}, "value", "Enter a number"),
    ("mmlu_result", {"value": "inf"}, "value", "Enter a number"),
    ("mmlu_result", {"setting": "W33A16"}, "setting", "1 to 32"),
    ("mmlu_result", {"setting": "W4A0"}, "setting", "1 to 32"),
    ("mmlu_result", {"setting": "33-bit"}, "setting", "1 to 32"),
    ("mmlu_result", {"model_name": "<script>"}, "model_name", "No markup"),
    ("mmlu_result", {"model_name": "LLaMA\x07-7B"}, "model_name", "No markup"),
    ("mmlu_result", {"model_name": "NotAModel-9000"}, "model_name", "No model is called"),
    ("mmlu_result", {"model_name": ""}, "model_name", "needs the model"),
    ("mmlu_result", {"benchmark": ""}, "benchmark", "needs a benchmark"),
    ("mmlu_result", {"method": "<script>"}, "method", "No method is called"),
]


@pytest.mark.parametrize(("fixture", "change", "field", "message"), BAD_VALUES)
def test_the_form_refuses_each_bad_value(request, fixture, change, field, message):
    result = request.getfixturevalue(fixture)
    form = CorrectForm("result", form_data(result, **change), receipt=result)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


@pytest.mark.parametrize(("fixture", "change", "field", "message"), BAD_VALUES)
def test_the_queue_answers_a_bad_value_with_the_item_and_its_error(
    client, alice, request, fixture, change, field, message
):
    result = request.getfixturevalue(fixture)
    client.force_login(alice)
    url = reverse("curate:decide", args=["result", result.pk, "correct"])
    response = client.post(url, form_data(result, **change), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert_unchanged(result)


def test_without_htmx_a_bad_value_redirects_with_the_error_as_a_message(client, alice, mmlu_result):
    client.force_login(alice)
    url = reverse("curate:decide", args=["result", mmlu_result.pk, "correct"])
    response = client.post(url, form_data(mmlu_result, benchmark=""), follow=True)
    assert response.status_code == 200
    assert "A result needs a benchmark." in response.content.decode()
    assert_unchanged(mmlu_result)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": -1.0}, "value"),
        ({"value": math.nan}, "value"),
        ({"value": math.inf}, "value"),
        ({"benchmark": None}, "benchmark"),
        ({"model_name": "<script>"}, "model_name"),
        ({"setting": "W33A16"}, "setting"),
    ],
)
def test_the_service_refuses_what_the_form_would(alice, mmlu_result, change, field):
    with pytest.raises(curation.InvalidReceipt) as refused:
        curation.decide("result", mmlu_result.pk, actor=alice, action="correct", changes=change)
    assert field in refused.value.problems
    assert_unchanged(mmlu_result)


def test_a_perplexity_of_zero_is_refused_by_the_service(alice, wikitext_result):
    with pytest.raises(curation.InvalidReceipt, match="above 0"):
        curation.decide("result", wikitext_result.pk, actor=alice, action="correct", changes={"value": 0.0})
    assert_unchanged(wikitext_result)


def test_an_extracted_accuracy_below_zero_cannot_be_approved_as_it_stands(alice, mmlu_result):
    BenchmarkResult.objects.filter(pk=mmlu_result.pk).update(value=-1)
    with pytest.raises(curation.InvalidReceipt, match="between 0 and 100"):
        curation.decide("result", mmlu_result.pk, actor=alice, action="approve")
    assert BenchmarkResult.objects.get(pk=mmlu_result.pk).status == "pending"
    curation.decide("result", mmlu_result.pk, actor=alice, action="reject", reason="misread the column")
    assert BenchmarkResult.objects.get(pk=mmlu_result.pk).status == "rejected"


def test_good_corrections_pass_and_the_setting_carries_its_bit_widths(alice, mmlu_result):
    form = CorrectForm(
        "result", form_data(mmlu_result, model_name="LLaMA", setting="W3A16 g128", value="0"), receipt=mmlu_result
    )
    assert form.is_valid(), form.errors
    curation.decide("result", mmlu_result.pk, actor=alice, action="correct", changes=form.changes())
    stored = BenchmarkResult.objects.get(pk=mmlu_result.pk)
    assert (stored.status, stored.model_name, stored.value) == ("approved", "LLaMA", 0.0)
    assert (stored.weight_bits, stored.activation_bits, stored.group_size) == (3, 16, 128)


def test_an_unknown_model_name_the_receipt_already_carries_may_stay(alice, db):
    result = make_result(benchmark=make_benchmark("MMLU", direction=Direction.HIGHER), model_name="Zephyr-7B", value=50)
    form = CorrectForm("result", form_data(result, value="51"), receipt=result)
    assert form.is_valid(), form.errors
    retyped = CorrectForm("result", form_data(result, model_name="Zephyr-8B"), receipt=result)
    assert "No model is called" in " ".join(retyped.errors["model_name"])


def test_a_beats_receipt_may_have_no_benchmark_but_no_markup_in_its_model(alice, db):
    beats = make_beats(model_name="LLaMA-2-7B")
    data = {"method": beats.method.name, "baseline": beats.baseline.name, "benchmark": "", "setting": ""}
    assert CorrectForm("beats", {**data, "model_name": "OPT-6.7B"}, receipt=beats).is_valid()
    assert not CorrectForm("beats", {**data, "model_name": "<b>OPT</b>"}, receipt=beats).is_valid()


def test_a_candidate_name_with_markup_is_refused(alice, db):
    form = CorrectForm("candidate", {"name": "<img src=x onerror=alert(1)>"})
    assert not form.is_valid() and "No markup" in " ".join(form.errors["name"])


def test_the_admin_form_refuses_what_the_queue_refuses(rf, superuser, mmlu_result):
    model_admin = admin.site._registry[BenchmarkResult]
    request = rf.post("/")
    request.user = superuser
    form_class = model_admin.get_form(request, mmlu_result, change=True)
    data = {k: v for k, v in model_to_dict(mmlu_result).items() if v is not None}
    form = form_class({**data, "value": "-1", "model_name": "<script>"}, instance=mmlu_result)
    assert not form.is_valid()
    assert "between 0 and 100" in " ".join(form.errors["value"])
    assert "No markup" in " ".join(form.errors["model_name"])
    assert form_class(data, instance=mmlu_result).is_valid()
    assert BenchmarkResult.objects.get(pk=mmlu_result.pk).value == 45.3
