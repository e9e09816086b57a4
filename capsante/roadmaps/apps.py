from django.apps import AppConfig


class RoadmapsConfig(AppConfig):
    name = "capsante.roadmaps"
    label = "roadmaps"
    verbose_name = "Feuilles de route"

    def ready(self) -> None:
        # The indicators' dashboards group their cards by the objectives of the roadmap that
        # steers the territory: the layer above offers the grouping (decision 0001).
        from capsante.indicators.groupings import register_grouping  # lazy: apps not ready before

        register_grouping("capsante.roadmaps.targets.objective_groups")
