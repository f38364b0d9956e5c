"""Curator input: names become registry rows here, so services get clean values."""

from __future__ import annotations

from typing import Any

from django import forms

from baselines.curation import EDITABLE
from baselines.models import Method
from benchmarks.models import Benchmark
from papers.models import CitationPolarity, CitationRole


class MethodField(forms.CharField):
    """A method typed by any of its names or aliases."""

    def clean(self, value: Any) -> Method:
        name = super().clean(value)
        method = Method.objects.by_name(name)
        if method is None:
            raise forms.ValidationError(
                f"No method is called “{name}”. Approve it as a candidate first, or pick a known one."
            )
        return method


class BenchmarkField(forms.CharField):
    def clean(self, value: Any) -> Benchmark | None:
        name = super().clean(value)
        if not name:
            return None
        benchmark = Benchmark.objects.by_name(name)
        if benchmark is None:
            raise forms.ValidationError(f"No benchmark is called “{name}”.")
        return benchmark


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why? (required)"}))


FIELD_FACTORIES: dict[str, Any] = {
    "method": lambda: MethodField(max_length=160),
    "baseline": lambda: MethodField(max_length=160),
    "benchmark": lambda: BenchmarkField(max_length=160, required=False),
    "model_name": lambda: forms.CharField(max_length=120, required=False),
    "setting": lambda: forms.CharField(max_length=80, required=False),
    "value": lambda: forms.FloatField(),
    "name": lambda: forms.CharField(max_length=160),
    "role": lambda: forms.ChoiceField(choices=CitationRole.choices),
    "polarity": lambda: forms.ChoiceField(choices=CitationPolarity.choices),
}


class CorrectForm(forms.Form):
    """The editable fields of one kind of receipt, prefilled with what was extracted."""

    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in EDITABLE[kind]:
            self.fields[name] = FIELD_FACTORIES[name]()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.kind == "beats" and cleaned.get("method") and cleaned.get("method") == cleaned.get("baseline"):
            raise forms.ValidationError("A method cannot beat itself.")
        return cleaned

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE[self.kind]}

    @staticmethod
    def initial_for(kind: str, receipt: Any) -> dict[str, Any]:
        initial = {}
        for name in EDITABLE[kind]:
            value = getattr(receipt, name)
            initial[name] = value.name if hasattr(value, "name") and not isinstance(value, str) else value
        return initial


class RepointForm(forms.Form):
    method = MethodField(max_length=160)
    reason = forms.CharField(max_length=2000, required=False)


class MergeForm(forms.Form):
    source = MethodField(max_length=160, help_text="This name becomes an alias of the target.")
    target = MethodField(max_length=160)
    reason = forms.CharField(max_length=2000, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("source") and cleaned.get("source") == cleaned.get("target"):
            raise forms.ValidationError("Pick two different methods.")
        return cleaned


class BulkApproveForm(forms.Form):
    ids = forms.CharField()

    def clean_ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else [self.cleaned_data["ids"]]
        try:
            return sorted({int(part) for item in raw for part in str(item).split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError("Select receipts to approve.") from None
