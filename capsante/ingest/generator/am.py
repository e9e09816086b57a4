"""Assurance Maladie aggregate tables: Mon espace santé, DMP feeding and consultation, telehealth.

Everything is computed as (commune x month) matrices with numpy and written with pyarrow's CSV
writer: at national scale the documents table alone holds about ten million rows.
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from . import calibration, periods
from .calibration import Profile
from .professionals import PROFESSION_CODES, Professionals
from .rand import adjust_sum, stochastic_round, stream
from .territory import Territory
from .vocab import DOCUMENT_TYPES, TELEEXPERTISE_SPECIALTIES

HEADERS = {
    "am-mes": "code_commune;mois;beneficiaires;comptes_actives;espaces_alimentes",
    "am-dmp-documents": "code_commune;mois;type_document;documents",
    # The brief spelled the last column `consultants`; the committed connector's schema says
    # `professionnels_consultant`, and the files follow the connector.
    "am-dmp-consultations": "code_commune;mois;code_profession;professionnels;professionnels_consultant",
    # Likewise `code_acte` / `professionnels_pratiquants` (brief: `acte` / `professionnels_pratiquant`).
    "am-telehealth": "code_commune;mois;code_profession;code_acte;actes;professionnels_liberaux;professionnels_pratiquants",
    "am-telehealth-offer": "code_departement;mois;specialite;plateforme;plateforme_regionale",
}
FILE_NAMES = {
    "am-mes": "am_mes_activations.csv",
    "am-dmp-documents": "am_dmp_documents.csv",
    "am-dmp-consultations": "am_dmp_consultations.csv",
    "am-telehealth": "am_telehealth.csv",
    "am-telehealth-offer": "am_telehealth_offer.csv",
}

# Fewer documents in August and at Christmas, more in spring and autumn.
SEASON = np.array([1.05, 1.0, 1.08, 1.0, 0.97, 1.02, 0.93, 0.82, 1.0, 1.07, 1.04, 0.96])
SEASON = SEASON / SEASON.mean()

CONSULTATION_FACTOR = {"10": 1.5, "21": 1.4, "40": 0.45, "50": 0.9, "60": 0.75, "70": 0.35}
TELEHEALTH_FACTOR = {"10": 1.45, "21": 0.55, "40": 0.3, "50": 1.0, "60": 0.85, "70": 0.6}
# Acts per profession: (code, share of the profession's telehealth practitioners who bill it,
# acts per practitioner and month). The first act's practitioners include all the others', so
# the practitioners of "any telehealth act" are the maximum over the profession's rows.
ACTS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "10": (("TCG", 1.0, 5.5), ("TC", 0.35, 2.5), ("TE2", 0.3, 1.5), ("RQD", 0.45, 1.2)),
    "21": (("RQD", 1.0, 0.8),),
    "40": (("RQD", 1.0, 0.6),),
    "50": (("TC", 1.0, 2.0), ("RQD", 0.4, 0.7)),
    "60": (("RQD", 1.0, 1.0),),
    "70": (("RQD", 1.0, 0.5),),
}
GHT_PLATFORM = "Plateforme de télésanté du GHT"


def write_table(path: Path, header: str, columns: dict[str, pa.Array]) -> int:
    """`;`-separated, unquoted, UTF-8; the header is written by hand (pyarrow quotes it)."""
    table = pa.table(columns)
    with open(path, "wb") as handle:
        handle.write((header + "\n").encode("utf-8"))
        pacsv.write_csv(
            table,
            handle,
            write_options=pacsv.WriteOptions(
                include_header=False, delimiter=";", quoting_style="none"
            ),
        )
    return table.num_rows


def _labels(values: Sequence[str], indices: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(list(values))
    )


def _dep_rates(
    territory: Territory, profiles: dict[str, Profile], attribute: str, t: np.ndarray
) -> np.ndarray:
    """(département x month) values of a profile trend."""
    return np.stack([getattr(profiles[dep], attribute).at(t) for dep in territory.departements])


def _normalised(territory: Territory, factor: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Scale commune factors so that their weighted mean is 1 within each département."""
    dep = territory.dep_index
    num = np.bincount(dep, weights=factor * weight, minlength=len(territory.departements))
    den = np.bincount(dep, weights=weight, minlength=len(territory.departements))
    mean = np.where(den > 0, num / np.maximum(den, 1e-9), 1.0)
    return factor / np.where(mean > 0, mean, 1.0)[dep]


def mes_activations(
    path: Path, territory: Territory, profiles: dict[str, Profile], months: list[str], seed: int
) -> int:
    rng = stream(seed, "am-mes")
    t = np.array([periods.index(m) for m in months])
    pop = territory.population.astype(float)
    urban = territory.urbanity()
    beneficiaries = np.floor(
        pop[:, None] * 0.975 * rng.lognormal(0, 0.01, len(pop))[:, None] * (1 + 0.0004 * t)[None, :]
    ).astype(np.int64)
    weight = np.maximum(pop, 1)
    activation = _normalised(
        territory, rng.lognormal(0, 0.15, len(pop)) * (1 + 0.15 * (urban - 0.5)), weight
    )
    feeding = _normalised(territory, rng.lognormal(0, 0.05, len(pop)), weight)
    dep = territory.dep_index
    act_rate = np.clip(
        _dep_rates(territory, profiles, "mes_activation", t)[dep] * activation[:, None], 0, 0.97
    )
    feed_rate = np.clip(
        _dep_rates(territory, profiles, "dmp_feeding", t)[dep] * feeding[:, None], 0, 0.99
    )
    activated = np.maximum.accumulate(np.floor(beneficiaries * act_rate).astype(np.int64), axis=1)
    fed_float = beneficiaries * feed_rate
    fed = np.floor(fed_float).astype(np.int64)
    _match_sarthe_feeding(territory, months, beneficiaries, fed, fed_float)
    fed = np.minimum(np.maximum.accumulate(fed, axis=1), beneficiaries)
    activated = np.minimum(activated, beneficiaries)
    n_c, n_t = beneficiaries.shape
    return write_table(
        path,
        HEADERS["am-mes"],
        {
            "c": _labels(territory.codes, np.repeat(np.arange(n_c), n_t)),
            "m": _labels(months, np.tile(np.arange(n_t), n_c)),
            "b": pa.array(beneficiaries.reshape(-1)),
            "a": pa.array(activated.reshape(-1)),
            "f": pa.array(fed.reshape(-1)),
        },
    )


def _match_sarthe_feeding(
    territory: Territory,
    months: list[str],
    beneficiaries: np.ndarray,
    fed: np.ndarray,
    fed_float: np.ndarray,
) -> None:
    """69 % of Sarthe's Espaces santé hold a document at the end of November 2024, exactly."""
    if (
        calibration.SARTHE not in territory.departements
        or calibration.SARTHE_FEEDING_PERIOD not in months
    ):
        return
    column = months.index(calibration.SARTHE_FEEDING_PERIOD)
    rows = territory.communes_of(calibration.SARTHE)
    cells = fed[rows, column]
    target = int(round(calibration.SARTHE_FEEDING_SHARE * beneficiaries[rows, column].sum()))
    adjust_sum(
        cells,
        target,
        fed_float[rows, column] - np.floor(fed_float[rows, column]),
        beneficiaries[rows, column],
    )
    fed[rows, column] = cells


def dmp_documents(
    path: Path, territory: Territory, profiles: dict[str, Profile], months: list[str], seed: int
) -> int:
    rng = stream(seed, "am-dmp-documents")
    t = np.array([periods.index(m) for m in months])
    month_of_year = np.array([periods.parse(m)[1] - 1 for m in months])
    pop = territory.population.astype(float)
    dep = territory.dep_index
    level = np.array([profiles[d].documents_per_inhabitant for d in territory.departements])
    growth = np.array([profiles[d].documents_growth for d in territory.departements])
    factor = _normalised(territory, rng.lognormal(0, 0.12, len(pop)), np.maximum(pop, 1))
    # Reference window: the twelve months to October 2024, in which each département's level is
    # its documents per inhabitant exactly (in expectation; Sarthe's is then matched exactly).
    window = np.arange(
        periods.index(calibration.SARTHE_DOCUMENTS_WINDOW[0]),
        periods.index(calibration.SARTHE_DOCUMENTS_WINDOW[1]) + 1,
    )
    shape_window = (
        np.power(1 + growth[:, None], (window[None, :] - 3.5) / 12) * SEASON[window % 12][None, :]
    )
    shape = np.power(1 + growth[:, None], (t[None, :] - 3.5) / 12) * SEASON[month_of_year][None, :]
    per_inhabitant = level[:, None] * shape / shape_window.sum(axis=1)[:, None]
    expected = (
        pop[:, None]
        * factor[:, None]
        * per_inhabitant[dep]
        * rng.lognormal(0, 0.03, (len(pop), len(t)))
    )
    totals = stochastic_round(expected, rng)
    _match_sarthe_documents(territory, months, totals, expected)
    shares = np.array([share for _, share in DOCUMENT_TYPES])
    commune_shares = shares[None, :] * rng.lognormal(0, 0.1, (len(pop), len(shares)))
    commune_shares /= commune_shares.sum(axis=1, keepdims=True)
    by_type = np.floor(totals[:, :, None] * commune_shares[:, None, :]).astype(np.int64)
    by_type[:, :, 0] += totals - by_type.sum(axis=2)  # rounding left-overs go to biology
    keep = by_type.reshape(-1) > 0
    n_c, n_t, n_k = by_type.shape
    commune_idx = np.repeat(np.arange(n_c), n_t * n_k)[keep]
    month_idx = np.tile(np.repeat(np.arange(n_t), n_k), n_c)[keep]
    type_idx = np.tile(np.arange(n_k), n_c * n_t)[keep]
    return write_table(
        path,
        HEADERS["am-dmp-documents"],
        {
            "c": _labels(territory.codes, commune_idx),
            "m": _labels(months, month_idx),
            "k": _labels([code for code, _ in DOCUMENT_TYPES], type_idx),
            "d": pa.array(by_type.reshape(-1)[keep]),
        },
    )


def _match_sarthe_documents(
    territory: Territory, months: list[str], totals: np.ndarray, expected: np.ndarray
) -> None:
    """3.87 documents per Sarthe inhabitant over the twelve months to October 2024."""
    first, last = calibration.SARTHE_DOCUMENTS_WINDOW
    if (
        calibration.SARTHE not in territory.departements
        or first not in months
        or last not in months
    ):
        return
    rows = territory.communes_of(calibration.SARTHE)
    columns = np.arange(months.index(first), months.index(last) + 1)
    block = totals[np.ix_(rows, columns)]
    target = int(
        round(calibration.SARTHE_DOCUMENTS_PER_INHABITANT * territory.population[rows].sum())
    )
    frac = expected[np.ix_(rows, columns)] - block
    adjust_sum(block, target, frac)
    totals[np.ix_(rows, columns)] = block


def _profession_matrix(counts: dict[str, np.ndarray]) -> np.ndarray:
    return np.stack([counts[code] for code in PROFESSION_CODES], axis=1)


def dmp_consultations(
    path: Path,
    territory: Territory,
    profiles: dict[str, Profile],
    pros: Professionals,
    months: list[str],
    seed: int,
) -> int:
    rng = stream(seed, "am-dmp-consultations")
    t = np.array([periods.index(m) for m in months])
    active = _profession_matrix(pros.per_commune(territory.size, liberal_only=False))  # (C, P)
    factor = np.array([CONSULTATION_FACTOR[code] for code in PROFESSION_CODES])
    commune = rng.lognormal(0, 0.15, territory.size)
    weight = active * factor[None, :] * commune[:, None]
    dep = territory.dep_index
    norm_num = np.bincount(dep, weights=weight.sum(axis=1), minlength=len(territory.departements))
    norm_den = np.bincount(dep, weights=active.sum(axis=1), minlength=len(territory.departements))
    norm = np.where(norm_den > 0, norm_num / np.maximum(norm_den, 1), 1.0)
    relative = factor[None, :] * commune[:, None] / norm[dep][:, None]  # (C, P)
    rows_c, rows_p = np.nonzero(active)
    rates = _dep_rates(territory, profiles, "dmp_consultation", t)[dep[rows_c]]  # (R, T)
    share = np.clip(rates * relative[rows_c, rows_p][:, None], 0, 0.95)
    n = active[rows_c, rows_p][:, None]
    # One draw per row kept across months: the count moves with the trend, not with noise.
    consulting = np.minimum(np.floor(n * share + rng.random((len(rows_c), 1))).astype(np.int64), n)
    n_r, n_t = consulting.shape
    return write_table(
        path,
        HEADERS["am-dmp-consultations"],
        {
            "c": _labels(territory.codes, np.repeat(rows_c, n_t)),
            "m": _labels(months, np.tile(np.arange(n_t), n_r)),
            "p": _labels(PROFESSION_CODES, np.repeat(rows_p, n_t)),
            "n": pa.array(np.repeat(active[rows_c, rows_p], n_t)),
            "k": pa.array(consulting.reshape(-1)),
        },
    )


def telehealth(
    path: Path,
    territory: Territory,
    profiles: dict[str, Profile],
    pros: Professionals,
    months: list[str],
    seed: int,
) -> int:
    rng = stream(seed, "am-telehealth")
    t = np.array([periods.index(m) for m in months])
    month_of_year = np.array([periods.parse(m)[1] - 1 for m in months])
    liberal = _profession_matrix(pros.per_commune(territory.size, liberal_only=True))
    factor = np.array([TELEHEALTH_FACTOR[code] for code in PROFESSION_CODES])
    commune = rng.lognormal(0, 0.15, territory.size)
    dep = territory.dep_index
    norm_num = np.bincount(
        dep,
        weights=(liberal * factor[None, :]).sum(axis=1) * commune,
        minlength=len(territory.departements),
    )
    norm_den = np.bincount(dep, weights=liberal.sum(axis=1), minlength=len(territory.departements))
    norm = np.where(norm_den > 0, norm_num / np.maximum(norm_den, 1), 1.0)
    rows_c, rows_p = np.nonzero(liberal)
    relative = factor[rows_p] * commune[rows_c] / norm[dep[rows_c]]
    rates = np.clip(
        _dep_rates(territory, profiles, "telehealth", t)[dep[rows_c]] * relative[:, None], 0, 0.97
    )
    n = liberal[rows_c, rows_p][:, None]
    practicing = np.minimum(np.floor(n * rates + rng.random((len(rows_c), 1))).astype(np.int64), n)
    season = SEASON[month_of_year][None, :]
    growth = (1.0 + 0.01 * t)[None, :]
    commune_out, month_out, profession_out, act_out = [], [], [], []
    acts_out, liberal_out, practicing_out = [], [], []
    act_codes = sorted({act for acts in ACTS.values() for act, _, _ in acts})
    n_t = len(t)
    for p_index, code in enumerate(PROFESSION_CODES):
        selected = np.flatnonzero(rows_p == p_index)
        if len(selected) == 0:
            continue
        base = practicing[selected]
        for act, share, per_month in ACTS[code]:
            doing = (
                base
                if share >= 1.0
                else np.minimum(
                    np.floor(base * share + rng.random((len(selected), 1))).astype(np.int64), base
                )
            )
            expected = doing * per_month * season * growth * rng.lognormal(0, 0.15, doing.shape)
            acts = stochastic_round(expected, rng)
            commune_out.append(np.repeat(rows_c[selected], n_t))
            month_out.append(np.tile(np.arange(n_t), len(selected)))
            profession_out.append(np.full(len(selected) * n_t, p_index))
            act_out.append(np.full(len(selected) * n_t, act_codes.index(act)))
            acts_out.append(acts.reshape(-1))
            liberal_out.append(np.repeat(n[selected, 0], n_t))
            practicing_out.append(doing.reshape(-1))
    if not commune_out:
        return write_table(
            path, HEADERS["am-telehealth"], {k: pa.array([], pa.string()) for k in "cmpaxlr"}
        )
    commune_all = np.concatenate(commune_out)
    month_all = np.concatenate(month_out)
    profession_all = np.concatenate(profession_out)
    act_all = np.concatenate(act_out)
    order = np.lexsort((act_all, profession_all, month_all, commune_all))
    return write_table(
        path,
        HEADERS["am-telehealth"],
        {
            "c": _labels(territory.codes, commune_all[order]),
            "m": _labels(months, month_all[order]),
            "p": _labels(PROFESSION_CODES, profession_all[order]),
            "a": _labels(act_codes, act_all[order]),
            "x": pa.array(np.concatenate(acts_out)[order]),
            "l": pa.array(np.concatenate(liberal_out)[order]),
            "r": pa.array(np.concatenate(practicing_out)[order]),
        },
    )


def telehealth_offer(
    path: Path, territory: Territory, profiles: dict[str, Profile], months: list[str], seed: int
) -> int:
    """Téléexpertise specialties available per département and month, by platform."""
    rows: list[tuple[str, str, str, str]] = []
    t = np.array([periods.index(m) for m in months])
    anchor = periods.index(calibration.SARTHE_SPECIALTIES_PERIOD)
    for dep in territory.departements:
        rng = stream(seed, "telehealth-offer", dep)
        profile = profiles[dep]
        order = [
            TELEEXPERTISE_SPECIALTIES[i] for i in rng.permutation(len(TELEEXPERTISE_SPECIALTIES))
        ]
        counts = np.clip(
            np.round(
                profile.specialties_2024_10 + profile.specialties_per_year * (t - anchor) / 12
            ),
            3,
            len(order),
        ).astype(int)
        ght = []
        if rng.random() < 0.4 or dep == calibration.SARTHE:
            # A hospital group's own platform: a few specialties, some not (yet) regional.
            ght = sorted(
                rng.choice(order[10:], size=int(rng.integers(3, 7)), replace=False).tolist()
            )
        for month, count in zip(months, counts, strict=True):
            for specialty in sorted(order[:count]):
                rows.append((dep, month, specialty, calibration.REGIONAL_PLATFORM))
            for specialty in ght:
                rows.append((dep, month, specialty, GHT_PLATFORM))
    rows.sort()
    return write_table(
        path,
        HEADERS["am-telehealth-offer"],
        {
            "d": pa.array([r[0] for r in rows], pa.string()),
            "m": pa.array([r[1] for r in rows], pa.string()),
            "s": pa.array([r[2] for r in rows], pa.string()),
            "p": pa.array([r[3] for r in rows], pa.string()),
            "r": pa.array(
                ["oui" if r[3] == calibration.REGIONAL_PLATFORM else "non" for r in rows],
                pa.string(),
            ),
        },
    )
