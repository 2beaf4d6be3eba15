"""Signing in and out, passwords, the person's settings and API tokens (web pages).

Django's authentication views do the work; these subclasses choose Tandem's templates and forms.
The settings page calls ``org.services.profile_update`` and this app's token services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.org.services import profile_update

from . import selectors, services
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    TokenCreateForm,
)

# --- Signing in and out -----------------------------------------------------------------------


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "security/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image cannot sign a person out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


# --- Passwords --------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "security/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("auth:settings")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "security/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "security/email/password_reset.txt"
    subject_template_name = "security/email/password_reset_subject.txt"
    success_url = reverse_lazy("auth:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        # Read when used, not at import: tests and deployments may change the timeout.
        self.extra_email_context = {"timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "security/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "security/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("auth:password-reset-complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "security/password_reset_complete.html"


# --- Settings and API tokens ------------------------------------------------------------------


def _profile_initial(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "display_name": getattr(user, "display_name", ""),
        "email": getattr(user, "email", ""),
        "phone": getattr(user, "phone", ""),
        "language": getattr(user, "language", ""),
        "time_zone": getattr(user, "time_zone", ""),
    }


def _settings_page(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    token_form: TokenCreateForm | None = None,
    new_key: str | None = None,
    new_token: Any = None,
    status: int = 200,
) -> HttpResponse:
    actor = access.get_actor(request)
    context = {
        "profile_form": profile_form or ProfileForm(initial=_profile_initial(request)),
        "token_form": token_form or TokenCreateForm(),
        "tokens": selectors.token_list(actor=actor),
        "new_key": new_key,
        "new_token": new_token,
    }
    return render(request, "security/settings.html", context, status=status)


def settings_view(request: HttpRequest) -> HttpResponse:
    """The person's profile (name, contact details, language, time zone) and their API tokens."""
    if request.method != "POST":
        return _settings_page(request)
    form = ProfileForm(request.POST, initial=_profile_initial(request))
    if form.is_valid():
        try:
            person = profile_update(actor=access.get_actor(request), data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # Confirm in the language the person just chose: the next page is shown in it.
            translation.activate(person.language)
            messages.success(request, _("Your settings were saved."))
            return redirect("auth:settings")
    return _settings_page(request, profile_form=form, status=400)


def _tokens_card(
    request: HttpRequest,
    *,
    token_form: TokenCreateForm,
    new_key: str | None = None,
    new_token: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The tokens card alone, for htmx; the whole settings page otherwise."""
    if request.headers.get("HX-Request") == "true":
        context = {
            "token_form": token_form,
            "tokens": selectors.token_list(actor=access.get_actor(request)),
            "new_key": new_key,
            "new_token": new_token,
        }
        # htmx swaps only 2xx answers by default; the card carries its own error state.
        return render(request, "security/partials/_tokens.html", context)
    return _settings_page(request, token_form=token_form, new_key=new_key, new_token=new_token, status=status)


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its key once. Rendered, not redirected: the key is never stored."""
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.token_create(
                actor=access.get_actor(request), name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _tokens_card(request, token_form=TokenCreateForm(), new_key=key, new_token=token)
    return _tokens_card(request, token_form=form, status=400)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    token = selectors.token_get_own_or_404(actor=actor, pk=pk)
    services.token_revoke(actor=actor, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("auth:settings")
