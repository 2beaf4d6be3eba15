"""REST plumbing: the shapes of error answers, pagination limits, strict ordering, the base viewset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tandem.core.api import ScopedViewSet
from tandem.core.rest import Conflict, Pagination, StrictOrderingFilter, exception_handler
from tandem.org.models import Team

factory = APIRequestFactory()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def handle(exc: Exception) -> tuple[int, Any]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_it_answers_a_service_validation_error_with_field_messages() -> None:
    exc = DjangoValidationError({"name": ["This field is required."], "__all__": ["Not both."]})
    status, data = handle(exc)
    assert status == 400
    assert data == {"name": ["This field is required."], "non_field_errors": ["Not both."]}


def test_it_answers_a_plain_service_validation_error_as_non_field_errors() -> None:
    status, data = handle(DjangoValidationError("Move its members to another team first."))
    assert status == 400
    assert data == {"non_field_errors": ["Move its members to another team first."]}


def test_it_wraps_a_list_of_api_validation_errors_as_non_field_errors() -> None:
    status, data = handle(exceptions.ValidationError(["Something is off."]))
    assert status == 400
    assert data == {"non_field_errors": ["Something is off."]}


def test_it_keeps_api_field_errors_as_they_are() -> None:
    status, data = handle(exceptions.ValidationError({"page_size": ["Too big."]}))
    assert status == 400
    assert data == {"page_size": ["Too big."]}


def test_it_answers_404_with_a_detail() -> None:
    assert handle(Http404("Team matching query does not exist.")) == (404, {"detail": "Not found."})


def test_it_answers_a_denied_write_with_403_and_a_detail() -> None:
    status, data = handle(DjangoPermissionDenied())
    assert status == 403
    assert list(data) == ["detail"]


def test_it_answers_a_protected_delete_with_409() -> None:
    status, data = handle(ProtectedError("protected", set()))
    assert status == 409
    assert data == {"detail": "Other records still refer to this one.", "current": {}}


def test_it_answers_a_conflict_with_the_current_values() -> None:
    status, data = handle(Conflict(current={"name": "East sales", "version": 3}))
    assert status == 409
    assert data["current"] == {"name": "East sales", "version": 3}
    assert "changed by someone else" in data["detail"]


def test_it_answers_401_with_a_detail() -> None:
    status, data = handle(exceptions.NotAuthenticated())
    assert status == 401
    assert list(data) == ["detail"]


def test_it_leaves_unexpected_errors_to_django() -> None:
    assert exception_handler(ValueError("bug"), {}) is None


def test_it_translates_error_details_into_the_active_language() -> None:
    with translation.override("zh-hans"):
        assert handle(Http404()) == (404, {"detail": "未找到。"})


def _request(query: str) -> Request:
    return Request(factory.get(f"/api/v1/things/{query}"))


@pytest.mark.parametrize("raw", ["1", "50", "200"])
def test_it_accepts_a_page_size_from_1_to_200(raw: str) -> None:
    assert Pagination().get_page_size(_request(f"?page_size={raw}")) == int(raw)


def test_it_uses_50_rows_a_page_by_default() -> None:
    assert Pagination().get_page_size(_request("")) == 50


@pytest.mark.parametrize("raw", ["0", "201", "-5", "ten", ""])
def test_it_refuses_a_bad_page_size(raw: str) -> None:
    with pytest.raises(exceptions.ValidationError) as caught:
        Pagination().get_page_size(_request(f"?page_size={raw}"))
    assert list(caught.value.detail) == ["page_size"]


class _OrderedView(APIView):
    ordering_fields = ["name", "id"]
    ordering = ["name"]


def test_it_orders_by_a_whitelisted_field() -> None:
    ordering = StrictOrderingFilter().get_ordering(
        _request("?ordering=-name,id"), Team.objects.none(), _OrderedView()
    )
    assert ordering == ["-name", "id"]


def test_it_falls_back_to_the_views_default_ordering() -> None:
    assert StrictOrderingFilter().get_ordering(_request(""), Team.objects.none(), _OrderedView()) == ["name"]


def test_it_refuses_an_ordering_outside_the_whitelist() -> None:
    with pytest.raises(exceptions.ValidationError) as caught:
        StrictOrderingFilter().get_ordering(
            _request("?ordering=name,-path"), Team.objects.none(), _OrderedView()
        )
    detail: Any = caught.value.detail
    assert list(detail) == ["ordering"]
    assert "-path" in str(detail["ordering"][0]) and "id, name" in str(detail["ordering"][0])


def test_it_forbids_a_scoped_viewset_from_overriding_get_queryset() -> None:
    with pytest.raises(TypeError):

        class _Leaky(ScopedViewSet):
            resource = "team"

            def get_queryset(self) -> Any:
                return Team.objects.all()
