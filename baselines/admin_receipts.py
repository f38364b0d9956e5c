"""Admin pieces every receipt model shares: provenance columns and a read-only audit trail.

They live with curation, which owns the decisions the audit trail shows; every receipt kind's admin
is registered here (baselines/admin.py), whichever app owns the model."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from baselines.models import CuratorDecision

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


class ReceiptAdmin(admin.ModelAdmin):
    """Lists receipts with their provenance. Status changes go through the curator queue, which
    records the decision; here they are read-only so nothing bypasses the audit trail."""

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
