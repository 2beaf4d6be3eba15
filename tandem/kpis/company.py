"""The company's settings row, read (and created with the defaults) in one place."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import CompanySettings


def company_settings() -> CompanySettings:
    """The company settings, created with the defaults on first read (currency: the
    installation's ``TANDEM_DEFAULT_CURRENCY``)."""
    found = CompanySettings.objects.filter(pk=CompanySettings.SINGLETON).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CompanySettings.objects.create(
                pk=CompanySettings.SINGLETON, currency=settings.DEFAULT_CURRENCY
            )
    except IntegrityError:  # created meanwhile by another request
        return CompanySettings.objects.get(pk=CompanySettings.SINGLETON)
