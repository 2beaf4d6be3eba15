from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastsConfig(AppConfig):
    name = "tandem.forecasts"
    label = "forecasts"
    verbose_name = _("Forecasts")

    def ready(self) -> None:
        from tandem.core import nav

        # Register the Celery task now: the embedded scheduler looks it up by name.
        from . import tasks  # noqa: F401

        # The forecast page answers 404 to a person who may not view deals: no menu entry for them.
        nav.register(
            nav.NavItem(
                _("Sales"), _("Forecast"), "forecasts:mine", "bi-graph-up-arrow", order=150, resource="deal"
            )
        )
        # The forecast's week-by-week movement on the manager's and the director's dashboards.
        from tandem.insights import dashboards

        from .selectors import dashboard_movement_card

        for role in (dashboards.MANAGER, dashboards.DIRECTOR):
            dashboards.register_card(
                role, dashboards.Card("forecasts/partials/_dashboard_card.html", dashboard_movement_card, 20)
            )
