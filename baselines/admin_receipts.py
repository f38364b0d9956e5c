"""Admin pieces every receipt model shares: provenance columns and a read-only audit trail.

They live with curation, which owns the decisions the audit trail shows; every receipt kind's admin
is registered here (baselines/admin.py), whichever app owns the model."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from baselines import curation
from baselines.access import is_curator
from baselines.models import CuratorDecision
from baselines.validation import receipt_problems

PROVENANCE_FIELDS = (
    "paper",
    "page",
    "locator",
    "quote",
    "extractor",
    "extractor_version",
    "confidence",
    "status",
    "decided_by",
    "decided_at",
    "reason",
    "created_at",
)


def kind_of(model: type[Any]) -> str | None:
    return next((kind for kind, known in curation.KINDS.items() if known is model), None)


class ReceiptAdminForm(forms.ModelForm):
    """An edit in the admin passes the checks the curator queue's editor does (baselines.validation)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = kind_of(self._meta.model)
        if kind is None:
            return cleaned
        values = {
            name: cleaned[name] if name in self.fields else getattr(self.instance, name)
            for name in curation.EDITABLE[kind]
            if name in cleaned or name not in self.fields
        }
        typed = set(self.changed_data) if self.instance.pk else set(values)
        for field, problem in receipt_problems(kind, values, typed).items():
            self.add_error(field if field in self.fields else None, problem)
        return cleaned


class ReceiptAdmin(admin.ModelAdmin):
    """Lists receipts with their provenance. Status changes go through the curator queue, which
    records the decision; here they are read-only so nothing bypasses the audit trail, and the one
    status change offered, reopening, goes through curation.reopen like the queue's button."""

    form = ReceiptAdminForm
    actions = ["reopen_selected"]

    list_filter: tuple[Any, ...] = ("status", "extractor", "extractor_version")
    list_select_related = ("paper",)
    raw_id_fields: tuple[str, ...] = ("paper",)
    readonly_fields: tuple[str, ...] = ("status", "decided_by", "decided_at", "created_at", "audit_trail")
    date_hierarchy = "created_at"
    list_per_page = 50

    @admin.display(description="Audit trail")
    def audit_trail(self, obj: Any) -> str:
        if obj.pk is None:
            return "—"
        decisions = CuratorDecision.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("actor")
        if not decisions:
            return "No decision yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} by {}{}</li>",
                (
                    (
                        d.decided_at.strftime("%Y-%m-%d %H:%M"),
                        d.get_action_display(),
                        d.actor,
                        f": {d.reason}" if d.reason else "",
                    )
                    for d in decisions
                ),
            ),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rejecting keeps the receipt and its reason; deleting would lose the decision's subject.
        return False

    def has_curate_permission(self, request: HttpRequest) -> bool:
        return is_curator(request.user)

    @admin.action(
        description="Reopen the selected decided receipts (back to the queue, recorded)", permissions=["curate"]
    )
    def reopen_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        kind = kind_of(self.model)
        if kind is None:
            return
        ids = list(queryset.decided().values_list("pk", flat=True))
        for receipt_id in ids:
            curation.reopen(kind, receipt_id, actor=request.user, reason="reopened in the admin")
        skipped = queryset.count() - len(ids)
        note = f" ({skipped} pending already, left alone)" if skipped else ""
        self.message_user(
            request, f"Reopened {len(ids)} receipt{'s' if len(ids) != 1 else ''}{note}.", messages.SUCCESS
        )
