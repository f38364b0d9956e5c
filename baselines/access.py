"""Who may curate: logged-in users with the curate_receipts permission (the `curators` group)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

CURATE_PERMISSION = "baselines.curate_receipts"
CURATORS_GROUP = "curators"


def is_curator(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(CURATE_PERMISSION))


def curator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; logged-in users without the permission get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_curator(request.user):
            raise PermissionDenied("Only curators may do this.")
        return view(request, *args, **kwargs)

    return wrapper


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
    for app_label, model, codename in CURATOR_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)
    return group
