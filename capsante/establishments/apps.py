from django.apps import AppConfig


class EstablishmentsConfig(AppConfig):
    """FINESS establishments (officines, EHPAD, ESMS, hospitals, MSP…), kept in step with the
    staged FINESS extract. Its database label stays `structures` (the app's former name) so that
    existing databases keep their tables and history (docs/decisions/0003)."""

    name = "capsante.establishments"
    label = "structures"
    verbose_name = "Établissements (FINESS)"
