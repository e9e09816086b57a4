"""FINESS establishment categories (``categetab``, TRE_R66) → the contract's ``category_group``.

``MEDICO_SOCIAL`` lists every category whose domain is ``SOC`` in the ANS association ASS_X10
(AgregatCategorieEtablissement, OID 1.2.250.1.213.1.6.1.113, version of 2024-06-28): handicap
(41xx, 43xx), elderly (44xx), child protection (45xx), social (46xx) and 5xxx social services.
"""

from __future__ import annotations

MEDICO_SOCIAL = frozenset(
    """
    001 002 159 160 162 164 165 166 167 168 169 170 171 172 174 175 176 177 178 180 181 182 183
    184 185 186 188 189 190 191 192 193 194 195 196 197 198 199 200 202 205 207 208 209 212 213
    214 215 216 217 218 219 220 221 236 237 238 241 246 247 249 250 251 252 253 255 256 257 258
    259 262 265 271 285 286 295 324 340 341 342 343 344 345 346 354 359 367 368 369 370 371 375
    376 377 378 379 380 381 382 386 390 393 394 395 396 397 398 399 400 402 403 404 405 411 418
    420 427 434 437 440 441 442 443 445 446 447 448 449 450 451 452 453 460 461 462 463 464 500
    501 502 609 643 644
    """.split()
)

# Checked before MEDICO_SOCIAL, so that 500 (itself a SOC code) is an EHPAD, not "esms".
EXPLICIT_GROUPS = {
    "620": "officine",
    "500": "ehpad",
    # CHR/CHU, CH, CH ex-hôpital local, CHS psychiatrie, CLCC
    "101": "chu_ch",
    "355": "chu_ch",
    "106": "chu_ch",
    "292": "chu_ch",
    "131": "chu_ch",
    # Private clinics: pluridisciplinaire, chirurgie, médecine, obstétrique, SSR
    "365": "clinique",
    "128": "clinique",
    "129": "clinique",
    "122": "clinique",
    "109": "clinique",
    "124": "centre_sante",
    "125": "centre_sante",
    "603": "msp",
}


def category_group(code: str | None) -> str:
    if not code:
        return "other"
    if code in EXPLICIT_GROUPS:
        return EXPLICIT_GROUPS[code]
    return "esms" if code in MEDICO_SOCIAL else "other"
