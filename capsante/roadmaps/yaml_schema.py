"""Read a roadmap YAML file into plain Python values, or say exactly what is wrong.

Validation walks the YAML node tree (not the loaded data) so that every error names the file,
the line and the field. No Django import: this runs anywhere.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class FileError:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, ligne {self.line}, champ « {self.field} » : {self.message}"


class RoadmapFileError(Exception):
    def __init__(self, errors: list[FileError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class Spec:
    """A field's expected shape; `read` returns the value or records an error."""

    def __init__(self, required: bool = True):
        self.required = required

    def read(self, node: yaml.Node, ctx: "Context", path: str) -> Any:
        raise NotImplementedError


class Context:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[FileError] = []

    def error(self, node: yaml.Node, path: str, message: str) -> None:
        self.errors.append(FileError(self.file, node.start_mark.line + 1, path, message))


def _scalar(node: yaml.Node, ctx: Context, path: str) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        ctx.error(node, path, "une valeur simple est attendue")
        return None
    return node.value


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.style is None


class Text(Spec):
    def __init__(self, required: bool = True, max_length: int | None = None):
        super().__init__(required)
        self.max_length = max_length

    def read(self, node, ctx, path):
        if _is_null(node):
            return ""
        value = _scalar(node, ctx, path)
        if value is not None and self.max_length and len(value) > self.max_length:
            ctx.error(
                node, path, f"texte trop long ({len(value)} caractères, {self.max_length} au plus)"
            )
        return value or ""


class Url(Text):
    def read(self, node, ctx, path):
        value = super().read(node, ctx, path)
        if value and not value.startswith(("http://", "https://")):
            ctx.error(
                node, path, f"adresse web invalide : « {value} » (http:// ou https:// attendu)"
            )
        return value


class Integer(Spec):
    def __init__(self, minimum: int, maximum: int, required: bool = True):
        super().__init__(required)
        self.minimum, self.maximum = minimum, maximum

    def read(self, node, ctx, path):
        value = _scalar(node, ctx, path)
        try:
            number = int(value or "")
        except ValueError:
            ctx.error(node, path, f"nombre entier attendu, trouvé « {value} »")
            return None
        if not self.minimum <= number <= self.maximum:
            ctx.error(node, path, f"{number} hors de l'intervalle {self.minimum}–{self.maximum}")
        return number


class Date(Spec):
    def __init__(self, required: bool = False):
        super().__init__(required)

    def read(self, node, ctx, path):
        if _is_null(node):
            return None
        value = _scalar(node, ctx, path)
        try:
            return dt.date.fromisoformat(value or "")
        except ValueError:
            ctx.error(node, path, f"date invalide : « {value} » (format AAAA-MM-JJ attendu)")
            return None


class Choice(Spec):
    def __init__(self, choices: list[str], required: bool = True):
        super().__init__(required)
        self.choices = choices

    def read(self, node, ctx, path):
        value = _scalar(node, ctx, path)
        if value not in self.choices:
            ctx.error(
                node, path, f"valeur « {value} » inconnue (attendu : {', '.join(self.choices)})"
            )
        return value


class Number(Text):
    """A figure kept as written (`3.87`), checked to be a number."""

    def read(self, node, ctx, path):
        value = super().read(node, ctx, path)
        try:
            float(value)
        except ValueError:
            ctx.error(
                node, path, f"nombre attendu, trouvé « {value} » (séparateur décimal : point)"
            )
        return value


class ListOf(Spec):
    def __init__(self, item: Spec, required: bool = True):
        super().__init__(required)
        self.item = item

    def read(self, node, ctx, path):
        if _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            ctx.error(node, path, "une liste est attendue")
            return []
        return [
            self.item.read(child, ctx, f"{path}[{i + 1}]") for i, child in enumerate(node.value)
        ]


class Record(Spec):
    def __init__(self, fields: dict[str, Spec], required: bool = True):
        super().__init__(required)
        self.fields = fields

    def read(self, node, ctx, path):
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, path or "document", "un ensemble de champs (clé : valeur) est attendu")
            return {}
        result: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            where = f"{path}.{key}" if path else key
            if key in seen:
                ctx.error(key_node, where, "champ en double")
                continue
            seen.add(key)
            spec = self.fields.get(key)
            if spec is None:
                ctx.error(key_node, where, f"champ inconnu (attendu : {', '.join(self.fields)})")
                continue
            result[key] = spec.read(value_node, ctx, where)
        for key, spec in self.fields.items():
            if key not in seen:
                if spec.required:
                    ctx.error(node, f"{path}.{key}" if path else key, "champ obligatoire manquant")
                result[key] = (
                    [] if isinstance(spec, ListOf) else ("" if isinstance(spec, Text) else None)
                )
        return result


ACTION_STATUSES = ["planned", "in_progress", "done", "late", "abandoned"]

ROADMAP = Record(
    {
        "territory": Text(max_length=20),
        "period_start": Integer(2000, 2100),
        "period_end": Integer(2000, 2100),
        "title": Text(max_length=300),
        "status": Choice(["draft", "published"]),
        "introduction": Text(required=False),
        "source": Text(required=False),
        "partners": ListOf(Text(max_length=200), required=False),
        "priorities": ListOf(Record({"text": Text(), "due_date": Date()}), required=False),
        "objectives": ListOf(
            Record(
                {
                    "title": Text(max_length=300),
                    "priority": Text(required=False),
                    "priority_detail": Text(required=False),
                    "actions": ListOf(
                        Record(
                            {
                                "group": Text(required=False, max_length=200),
                                "text": Text(),
                                "owner": Text(required=False, max_length=200),
                                "partners": Text(required=False, max_length=300),
                                "status": Choice(ACTION_STATUSES, required=False),
                                "start_date": Date(),
                                "due_date": Date(),
                                "progress": Integer(0, 100, required=False),
                                "note": Text(required=False),
                            }
                        ),
                        required=False,
                    ),
                    "assessment": ListOf(
                        Record({"group": Text(required=False, max_length=200), "text": Text()}),
                        required=False,
                    ),
                    "key_figures": ListOf(
                        Record(
                            {
                                "kind": Choice(["observed", "target"], required=False),
                                "value": Number(max_length=40),
                                "unit": Text(required=False, max_length=60),
                                "label": Text(),
                                "as_of": Date(),
                                "source": Text(required=False, max_length=300),
                                "scope": Text(required=False, max_length=20),
                                "indicator": Text(required=False, max_length=60),
                            }
                        ),
                        required=False,
                    ),
                    "testimonies": ListOf(
                        Record(
                            {
                                "quote": Text(),
                                "author": Text(required=False, max_length=200),
                                "role": Text(required=False, max_length=300),
                                "organisation": Text(required=False, max_length=300),
                            }
                        ),
                        required=False,
                    ),
                    "useful_links": ListOf(
                        Record(
                            {
                                "label": Text(max_length=300),
                                "url": Url(required=False, max_length=500),
                                "description": Text(required=False),
                            }
                        ),
                        required=False,
                    ),
                    "event_highlights": ListOf(
                        Record(
                            {
                                "name": Text(max_length=300),
                                "date": Date(),
                                "description": Text(required=False),
                                "figures": ListOf(
                                    Record({"value": Text(), "label": Text()}), required=False
                                ),
                            }
                        ),
                        required=False,
                    ),
                }
            )
        ),
        "glossary": ListOf(
            Record(
                {
                    "acronym": Text(max_length=40),
                    "expansion": Text(),
                    "link": Url(required=False, max_length=500),
                }
            ),
            required=False,
        ),
    }
)


def parse_roadmap(text: str, file: str) -> dict[str, Any]:
    """Validate and read a roadmap file; raise RoadmapFileError listing every problem."""
    ctx = Context(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise RoadmapFileError(
            [FileError(file, line, "-", f"YAML illisible : {exc.problem}")]
        ) from exc
    if node is None:
        raise RoadmapFileError([FileError(file, 1, "document", "fichier vide")])
    data = ROADMAP.read(node, ctx, "")
    if not ctx.errors and data["period_end"] < data["period_start"]:
        ctx.error(node, "period_end", "la fin de période précède son début")
    if ctx.errors:
        raise RoadmapFileError(ctx.errors)
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_roadmap(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
