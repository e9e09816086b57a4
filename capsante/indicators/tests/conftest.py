import pytest

from capsante.indicators.tests.test_values_and_targets import MONTHS, stage_mes


@pytest.fixture
def staged(settings, tmp_path):
    """Two months of activations for five communes of Sarthe and Mayenne, staged."""
    settings.STAGING_DIR = tmp_path / "staging"
    stage_mes(settings.STAGING_DIR, MONTHS)
    return settings.STAGING_DIR
