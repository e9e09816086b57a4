"""Street addresses of liberal practices, shared by the RPPS and MSSanté writers."""

from dataclasses import dataclass

from .professionals import Professionals
from .rand import stream
from .structures import Structure, phone
from .territory import Territory
from .vocab import STREET_NAMES, STREET_TYPES, STREET_WEIGHTS


@dataclass
class SiteAddress:
    number: str
    type_code: str
    type_label: str
    street: str
    phone: str


def activity_addresses(
    pros: Professionals, structures: list[Structure], territory: Territory, seed: int
) -> list[SiteAddress]:
    rng = stream(seed, "addresses")
    n = len(pros.person)
    numbers = rng.integers(1, 150, n)
    types = rng.choice(len(STREET_TYPES), size=n, p=STREET_WEIGHTS)
    streets = rng.integers(0, len(STREET_NAMES), n)
    labels = dict(STREET_TYPES)
    out = []
    for i in range(n):
        structure = int(pros.structure[i])
        if structure >= 0:
            s = structures[structure]
            out.append(
                SiteAddress(
                    s.street_number, s.street_type, labels.get(s.street_type, ""), s.street, s.phone
                )
            )
        else:
            code, label = STREET_TYPES[int(types[i])]
            region = territory.regions[int(pros.commune[i])]
            out.append(
                SiteAddress(
                    str(int(numbers[i])),
                    code,
                    label,
                    STREET_NAMES[int(streets[i])],
                    phone(region, rng) if rng.random() < 0.6 else "",
                )
            )
    return out
