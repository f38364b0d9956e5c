"""Who may curate: logged-in users with the curate_receipts permission (the `curators` group)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from config.http import logged_in_and

CURATE_PERMISSION = "baselines.curate_receipts"
CURATORS_GROUP = "curators"


def is_curator(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(CURATE_PERMISSION))


# Anonymous users go to the login page; logged-in users without the permission get 403.
curator_required = logged_in_and(is_curator, "Only curators may do this.")


CURATOR_PERMISSIONS = [
    ("baselines", "curatordecision", "curate_receipts"),
    ("baselines", "method", "change_method"),
    ("baselines", "methodalias", "add_methodalias"),
    ("baselines", "methodalias", "change_methodalias"),
]


def ensure_curators_group() -> Any:
    """The `curators` group with its permissions (the migration makes it; a flushed test database
    or an operator who deleted it gets it back)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    wanted = Q()
    for app_label, model, codename in CURATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, content_type__model=model, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))  # one query; a permission not made yet is skipped
    return group
