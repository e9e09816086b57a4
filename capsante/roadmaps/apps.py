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

        # A target the catalogue creates is linked to the objective its reference names.
        from capsante.indicators.signals import target_from_catalogue  # lazy: as above

        from .catalogue_links import link_target  # lazy: imports models

        target_from_catalogue.connect(link_target, dispatch_uid="roadmaps.link_target")
