"""Which officines have an MSSanté mailbox and a fax: one decision read by three files.

The FINESS fax number, the MSSanté directory and the pharmacy survey all follow these flags,
so that "123 of 156 officines equipped, 91 % with a fax" holds in every one of them.
"""

import numpy as np

from . import calibration
from .calibration import Profile
from .rand import stream
from .structures import Structure

# How an equipped officine shows in the directory: its own organisational mailbox, its
# pharmacists' personal mailboxes, or both.
MAILBOX_MODES = ("org", "per", "both")
MAILBOX_MODE_WEIGHTS = (0.4, 0.3, 0.3)


def _exact_flags(
    count: int, share: float, exact: int | None, rng: np.random.Generator
) -> np.ndarray:
    chosen = exact if exact is not None else int(round(count * share))
    flags = np.zeros(count, dtype=bool)
    flags[rng.permutation(count)[: min(chosen, count)]] = True
    return flags


def equip_officines(structures: list[Structure], profiles: dict[str, Profile], seed: int) -> None:
    for dep, profile in profiles.items():
        officines = [s for s in structures if s.departement == dep and s.category == "620"]
        if not officines:
            continue
        rng = stream(seed, "officines", dep)
        sarthe = dep == calibration.SARTHE and len(officines) == calibration.SARTHE_OFFICINES
        mailbox = _exact_flags(
            len(officines),
            profile.officine_mailbox,
            calibration.SARTHE_OFFICINES_WITH_MAILBOX if sarthe else None,
            rng,
        )
        fax = _exact_flags(
            len(officines),
            profile.officine_fax,
            calibration.SARTHE_OFFICINES_WITH_FAX if sarthe else None,
            rng,
        )
        for s, has_mailbox, has_fax in zip(officines, mailbox, fax, strict=True):
            mode = str(rng.choice(MAILBOX_MODES, p=MAILBOX_MODE_WEIGHTS)) if has_mailbox else "none"
            s.extras["mailbox"] = mode
            s.extras["fax"] = bool(has_fax)
            # Weekly use among equipped officines grows with the département's general MSS use.
            s.extras["uses_mss"] = bool(
                has_mailbox and rng.random() < 0.45 + 0.3 * profile.mss_liberal
            )
            if not has_fax:
                s.fax = ""
            elif not s.fax and rng.random() < 0.9:
                s.fax = s.phone[:-2] + f"{(int(s.phone[-2:]) + 1) % 100:02d}"
