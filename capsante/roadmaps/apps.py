from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "capsante.roadmaps"
    label = "roadmaps"
    verbose_name = "Feuilles de route"

    def ready(self) -> None:
        # The indicators' dashboards group their cards by the objectives of the roadmap that
        # steers the territory: the layer above offers the grouping (decision 0001).
        # lazy: models can be imported only once the app registry is ready.
        from capsante.indicators.dashboards import register_grouping

        # lazy: as above.
        from .targets import objective_groups

        register_grouping(objective_groups)
