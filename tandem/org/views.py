from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


org_chart = people = person_detail = team_detail = positions = position_detail = roles = transfers = _todo
