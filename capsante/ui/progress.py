"""The commands' progress bars, written the French way.

tqdm's own bar writes its rate with a decimal point and its counts without grouping
(« communes:  57%|█████▋    | 20000/34875 [00:03<00:02, 6102.39 terr./s] »). These read
« Communes : 57 % |█████▋    | 20 000 sur 34 875 [00:03] », and with no total yet
« Génération des fichiers : 3 [00:01] ». Plain tqdm otherwise (stderr, cleared when closed
unless `leave`).
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from capsante.french import number, size

WITH_TOTAL = "{desc} : {percentage:3.0f} % |{bar}| {n_fr} sur {total_fr} [{elapsed}{postfix}]"
WITHOUT_TOTAL = "{desc} : {n_fr} [{elapsed}{postfix}]"


class Bar(tqdm):
    """A tqdm bar in French; `quiet` hides it (a command's verbosity 0)."""

    in_bytes = False  # the counts are bytes: « 6,2 ko sur 6,2 ko », not « 6 347 sur 6 347 »

    def __init__(
        self, desc: str, *, total: int | None = None, quiet: bool = False, **options: Any
    ) -> None:
        options.setdefault("file", sys.stderr)
        super().__init__(desc=desc, total=total, disable=quiet, bar_format=WITH_TOTAL, **options)

    @property
    def format_dict(self) -> dict[str, Any]:
        values = super().format_dict
        total = values.get("total")
        say = size if self.in_bytes else number
        values["n_fr"] = say(values["n"])
        values["total_fr"] = say(total) if total else ""
        values["bar_format"] = WITH_TOTAL if total else WITHOUT_TOTAL
        return values

    def move_to(self, step: str, done: int, total: int, *, in_bytes: bool = False) -> None:
        """The callback shape of the services (`step`, done, total): shows the step and where
        it is, in one refresh, so that the last step's count never shows against this one's
        total (« Comparaison : 6 347 sur 3 » after a file of 6,347 lines). `in_bytes` for a
        step that counts the bytes of a file read (its lines are not known before the end)."""
        self.in_bytes = in_bytes
        self.total = total
        self.n = done
        self.set_description_str(step)
