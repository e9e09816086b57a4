"""The texts of the directory's easy-to-read mode, read once from texts/facile-a-lire.yaml."""

from functools import cache
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parent / "texts" / "facile-a-lire.yaml"


@cache
def texts() -> dict:
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def lines(*path: str) -> list[dict]:
    node = texts()
    for key in path:
        node = node[key]
    return node
