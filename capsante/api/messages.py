"""Errors in French, each naming its field: what a partner's developer reads when a call is
refused for its input (422)."""

from typing import Any

from django.core.exceptions import ValidationError

# Field-specific wording where the generic one would say too little.
FIELD_HINTS = {
    "period": "mois attendu au format AAAA-MM",
    "period_from": "mois attendu au format AAAA-MM",
    "period_to": "mois attendu au format AAAA-MM",
    "deadline": "mois attendu au format AAAA-MM",
    "baseline_period": "mois attendu au format AAAA-MM",
    "territory": "territoire attendu sous la forme niveau:code, ex. departement:72",
    "within": "territoire attendu sous la forme niveau:code, ex. departement:72",
    "cursor": "curseur invalide : reprenez depuis la première page",
}


def _generic(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    match kind:
        case "missing":
            return "champ obligatoire"
        case "int_parsing" | "int_type" | "int_from_float":
            return "nombre entier attendu"
        case "float_parsing" | "float_type" | "finite_number":
            return "nombre attendu"
        case "bool_parsing" | "bool_type":
            return "booléen attendu (true ou false)"
        case "string_type":
            return "texte attendu"
        case "string_too_short":
            return (
                "ne peut pas être vide"
                if ctx.get("min_length") == 1
                else f"{ctx.get('min_length')} caractères au moins"
            )
        case "string_too_long":
            return f"{ctx.get('max_length')} caractères au plus"
        case "string_pattern_mismatch":
            return "format invalide"
        case "greater_than_equal" | "greater_than":
            return f"valeur minimale : {ctx.get('ge', ctx.get('gt'))}"
        case "less_than_equal" | "less_than":
            return f"valeur maximale : {ctx.get('le', ctx.get('lt'))}"
        case "enum" | "literal_error":
            return f"valeur attendue parmi : {ctx.get('expected', '')}".replace("'", "")
        case "date_parsing" | "date_from_datetime_parsing" | "date_type":
            return "date attendue au format AAAA-MM-JJ"
        case "json_invalid":
            return "corps de requête JSON invalide"
        case "model_attributes_type" | "dict_type" | "model_type":
            return "objet JSON attendu"
        case "list_type":
            return "liste attendue"
        case "extra_forbidden":
            return "champ inconnu"
        case "value_error":
            return str(ctx.get("error", "valeur invalide"))
    return "valeur invalide"


def _field(loc: list) -> str:
    names = [str(part) for part in loc if isinstance(part, str)]
    # ninja's locations start with where the value came from (body, query, path) and the
    # parameter group's name; the field is the last name.
    meaningful = [n for n in names if n not in ("body", "query", "path", "header", "payload")]
    return meaningful[-1] if meaningful else (names[-1] if names else "requête")


def from_pydantic(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for error in errors:
        loc = list(error.get("loc", []))
        field = _field(loc)
        kind = error.get("type", "")
        wording = (
            FIELD_HINTS[field]
            if field in FIELD_HINTS and kind == "string_pattern_mismatch"
            else _generic(error)
        )
        result.append(
            {
                "loc": [str(p) for p in loc],
                "field": field,
                "msg": f"{field} : {wording}.",
                "type": kind,
            }
        )
    return result


def from_django(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {
                "loc": ["body", field],
                "field": field,
                "msg": f"{field} : {message}",
                "type": "invalide",
            }
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [
        {"loc": ["body"], "field": "requête", "msg": message, "type": "invalide"}
        for message in exc.messages
    ]
