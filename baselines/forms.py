"""Curator input: names become registry rows here, so services get clean values."""

from __future__ import annotations

from typing import Any

from django import forms

from baselines.curation import EDITABLE
from baselines.models import Method
from baselines.validation import receipt_problems
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
    "value": lambda: forms.FloatField(),  # refuses NaN and infinities
    "name": lambda: forms.CharField(max_length=160),
    "role": lambda: forms.ChoiceField(choices=CitationRole.choices),
    "polarity": lambda: forms.ChoiceField(choices=CitationPolarity.choices),
}


class CorrectForm(forms.Form):
    """The editable fields of one kind of receipt, prefilled with what was extracted. Values are
    checked against the receipt's benchmark and the registries (baselines.validation); a name the
    curator typed anew must be a known one, the one the receipt already carries may stay."""

    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, kind: str, *args: Any, receipt: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.receipt = receipt
        for name in EDITABLE[kind]:
            self.fields[name] = FIELD_FACTORIES[name]()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.kind == "beats" and cleaned.get("method") and cleaned.get("method") == cleaned.get("baseline"):
            raise forms.ValidationError("A method cannot beat itself.")
        values = {name: cleaned[name] for name in EDITABLE[self.kind] if name in cleaned}
        for field, problem in receipt_problems(self.kind, values, typed=self._typed(values)).items():
            self.add_error(field, problem)
        return cleaned

    def _typed(self, values: dict[str, Any]) -> set[str]:
        if self.receipt is None:
            return set(values)
        return {name for name, value in values.items() if value != getattr(self.receipt, name)}

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


class ReopenForm(forms.Form):
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


def edit_values(kind: str, receipt: Any, data: Any = None) -> dict[str, Any]:
    """What the editor shows: the receipt's values, or what the curator typed when it was refused."""
    values = {name: "" if value is None else value for name, value in CorrectForm.initial_for(kind, receipt).items()}
    if data is not None:
        values.update({name: data.get(name, "") for name in (*EDITABLE[kind], "reason")})
    return values
