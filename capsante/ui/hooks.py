"""Functions a layer above offers a layer below, registered by dotted path (decision 0028).

A domain offers its function when its app is ready (a section of the objective page, a
grouping of the dashboards, the attachments of a mail); the layer below imports it when it first
uses it. Imported at start-up, the domains' services and the libraries they read data with
would delay every command (bench/RESULTS.md, *Commands*).
"""

from collections.abc import Callable

from django.utils.module_loading import import_string


class Hooks:
    """Dotted paths of functions, in their order of registration, imported when asked for."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._paths: dict[str, str] = {}

    def register(self, path: str, name: str | None = None) -> None:
        """Add `path`, or replace the one registered under `name` (by default the path itself,
        so that registering it twice changes nothing)."""
        if not isinstance(path, str):
            raise TypeError(f"{self.what}: a dotted path is expected, not {path!r} (decision 0028)")
        self._paths[name or path] = path

    def functions(self) -> list[Callable]:
        return [import_string(path) for path in self._paths.values()]
