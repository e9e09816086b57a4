import pytest

from capsante.questionnaires.demo import pharmacy_questionnaire

from .pharmacies import SURVEY_2024


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


@pytest.fixture
def pharmacy(geography):
    """The 2024 pharmacy survey's questions, built in the platform, open."""
    return pharmacy_questionnaire(geography["sarthe"], slug="officines-2024", survey=SURVEY_2024)
