"""What each status looks like: the DSFR system badge colour (success, warning, error, info,
new) of every status the pages show, decided here once. A status missing from its table gets
the kind's default, or the plain grey badge."""

COLOURS: dict[str, dict[str, str]] = {
    # The status of a target, computed by the engine's documented rule (engine/status.py).
    "target": {
        "atteint": "success",
        "en_bonne_voie": "success",
        "a_surveiller": "warning",
        "hors_trajectoire": "error",
        "donnees_anciennes": "info",
        "donnees_insuffisantes": "info",
    },
    "action": {"done": "success", "late": "error", "in_progress": "info"},
    "roadmap": {"published": "success", "draft": "warning"},
    "import": {
        "imported": "success",
        "refused": "error",
        "failed": "error",
        "unchanged": "info",
        "dry_run": "info",
    },
    "job": {"succeeded": "success", "failed": "error", "interrupted": "error"},
    "difficulty": {
        "nouvelle": "new",
        "qualifiee": "info",
        "escaladee": "warning",
        "resolue": "success",
    },
    "event": {
        "published": "success",
        "full": "warning",
        "cancelled": "error",
        "held": "info",
        "draft": "new",
    },
    "registration": {"confirmed": "success", "waiting": "warning", "pending": "info"},
    "contract": {"signe": "success", "preparation": "info", "echu": "warning"},
}
DEFAULTS = {"import": "new", "job": "new"}  # an import or a job still waiting or running


def colour(kind: str, status: str | None) -> str:
    """The badge colour of a status of this kind ("" for the plain badge)."""
    if kind not in COLOURS:
        raise ValueError(f"unknown kind of status: {kind!r}")
    return COLOURS[kind].get(status or "", DEFAULTS.get(kind, ""))
