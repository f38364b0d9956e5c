"""Request types shared by the views, so type checkers know about `htmx`; the access decorator the
curator and operator views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def logged_in_and(allowed: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    """A view decorator: anonymous users go to the login page; logged-in users for whom
    `allowed(user)` is false get 403 with `refusal`."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
