"""Forms for signing in, passwords, the person's settings and API tokens.

Django's own authentication forms do the checking; these subclasses only give the widgets
Tabler's classes and the attributes browsers and password managers expect.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tandem.org.models import Language

from .services import TOKEN_NAME_MAX_LENGTH


class TablerFormMixin:
    """Give every widget Tabler's class; mark invalid fields for the red outline."""

    fields: dict[str, forms.Field]

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        names = (
            list(error.error_dict)
            if isinstance(error, ValidationError) and hasattr(error, "error_dict")
            else [field]
        )
        for name in names:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to its fields (or above the form)."""
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, exc.messages)


class LoginForm(TablerFormMixin, auth_forms.AuthenticationForm):
    """Django's sign-in form: it passes ``request`` to ``authenticate`` so django-axes counts failures."""

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.style_fields()


class PasswordChangeForm(TablerFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class PasswordResetForm(TablerFormMixin, auth_forms.PasswordResetForm):
    """Sends the reset link in the recipient's own language, whatever the page was shown in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autofocus"] = True
        self.style_fields()

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class SetPasswordForm(TablerFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class ProfileForm(TablerFormMixin, forms.Form):
    """The person's own settings. The service (``org.services.profile_update``) validates and saves."""

    display_name = forms.CharField(label=_("Display name"), max_length=150)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["phone"].widget = forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})
        self.fields["phone"].help_text = _("For example +86 138 0013 8000")
        self.style_fields()


class TokenCreateForm(TablerFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=TOKEN_NAME_MAX_LENGTH,
        help_text=_("Say what uses it, e.g. “Reporting script” or “Zapier”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.style_fields()
