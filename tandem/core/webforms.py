"""Small helpers every app's web views share: htmx requests, bound forms, safe redirects, a
service's ``ValidationError`` shown on a form, and the create/edit page built on them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


class TelInput(forms.TextInput):
    """A phone number: ``type=tel`` brings up the phone's dial pad (the value is normalised on save)."""

    input_type = "tel"


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (not a history restore, which needs the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def posted(request: HttpRequest) -> Any:
    """The POST data on a POST (even when empty, so the form is bound and says what is missing)."""
    return request.POST if request.method == "POST" else None


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the request names when it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def errors_onto(
    form: Any,
    exc: ValidationError,
    *,
    on_top: Collection[str] = (),
    skip: Collection[str] = (),
    extra: dict[str, list[str]] | None = None,
) -> None:
    """A service's ValidationError on the form: messages of the form's fields inline, the rest on top.

    ``on_top``: fields the form has but does not show (their messages go on top); ``skip``: keys
    the caller shows its own way; ``extra``: keys collected into that dict instead.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field in skip:
            continue
        if extra is not None and field in extra:
            extra[field].extend(errors)
        elif field in form.fields and field not in on_top:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


def form_page(
    request: HttpRequest,
    *,
    form: Any,
    template: str,
    context: dict[str, Any],
    save: Callable[[], Any],
    success: Callable[[Any], str],
    on_error: Callable[[], None] | None = None,
    done: str | None = None,
) -> HttpResponse:
    """A create or edit page: GET shows the form; POST saves through ``save`` (one service call)
    and redirects to ``done`` (by default the saved record) with ``success(saved)`` as a message, or
    shows the form again with the service's errors inline (400) after ``on_error`` (e.g. reading the
    record back as stored)."""
    if request.method != "POST":
        return render(request, template, context)
    if form.is_valid():
        try:
            saved = save()
        except ValidationError as exc:
            if on_error is not None:
                on_error()
            errors_onto(form, exc)
        else:
            messages.success(request, success(saved))
            return redirect(done or saved)
    return render(request, template, context, status=400)
