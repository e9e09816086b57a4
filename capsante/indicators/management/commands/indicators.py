import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from capsante.indicators import completeness, services
from capsante.indicators.models import Indicator, Target
from capsante.jobs.locks import staging_lock
from capsante.territories.command_line import HELP as TERRITORY_HELP
from capsante.territories.command_line import territory_from
from capsante.ui.formats import NBSP, month, number
from capsante.ui.progress import Bar

FORMAT_HELP = "table : à lire ; json : pour un programme"


class Command(BaseCommand):
    help = "Indicateurs : calcul, catalogue, valeur d'un indicateur sur un territoire."
    # The system checks import every view (and with them WeasyPrint, the forecasting
    # libraries…): seconds before `show` could answer. `capsante check` and `migrate` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="Calcule les indicateurs sur les tables préparées")
        compute.add_argument(
            "--territory", action="append", help=f"{TERRITORY_HELP} ; répétable ; défaut : tous"
        )
        compute.add_argument("--engine", choices=["duckdb", "spark"], help="Moteur de calcul")
        compute.add_argument(
            "--period", action="append", help="Mois AAAA-MM à recalculer (répétable)"
        )
        listing = sub.add_parser("list", help="Liste le catalogue")
        listing.add_argument(
            "--format", choices=["table", "json"], default="table", help=FORMAT_HELP
        )
        show = sub.add_parser(
            "show", help="Valeur, numérateur, dénominateur, cible, statut, provenance"
        )
        show.add_argument("code", help="Code de l'indicateur (la liste : capsante indicators list)")
        show.add_argument("--territory", required=True, help=TERRITORY_HELP)
        show.add_argument("--period", help="Mois AAAA-MM (défaut : le dernier connu)")
        show.add_argument("--format", choices=["table", "json"], default="table", help=FORMAT_HELP)

    def handle(self, *args, **options):
        return getattr(self, options["action"])(options)

    def compute(self, options):
        scope = None
        if options["territory"]:
            territories = (territory_from(text, self.stderr) for text in options["territory"])
            scope = [(t.level, t.code) for t in territories]
        catalogue = services.definitions()
        bar = Bar("Indicateurs calculés", total=len(catalogue), quiet=options["verbosity"] < 1)

        def progress(done: int, total: int, code: str) -> None:
            bar.total = total
            bar.set_postfix_str(code)
            bar.update(done - bar.n)

        after_engine = StepsAfterEngine(bar, quiet=options["verbosity"] < 1)

        # The tables every definition reads, held while computing: an import running meanwhile
        # finishes first (or waits), so that no value is computed from a half-written table.
        tables = {t for d in catalogue.values() for t in d.tables}
        try:
            with staging_lock(sorted(tables & _source_tables()), "Calcul des indicateurs"):
                run = services.compute_and_store(
                    periods=options["period"],
                    engine_name=options["engine"],
                    territories=scope,
                    progress=progress,
                    after_engine=after_engine,
                )
                # As an import does: the first page to show a rolling window's figure would
                # otherwise list its communes gone (decision 0046).
                services.keep_window_gaps()
        except services.EngineUnavailable as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
            after_engine.close()
        split = getattr(run, "seconds", {})
        detail = ", ".join(
            f"{label} {number(split[key], 1)} s"
            for key, label in (
                ("preparation", "préparation"),
                ("engine", "moteur"),
                ("storage", "enregistrement"),
                ("targets", "cibles"),
            )
            if key in split
        )
        self.stdout.write(
            f"Calcul n° {run.pk} ({run.engine}) : {run.counts},"
            f" en {number(run.duration_seconds, 1)} s ({detail})."
        )

    def list(self, options):
        _ensure_catalogue()
        indicators = list(Indicator.objects.all())
        rows = [
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "kind": i.kind,
                "aggregation": i.aggregation,
                "polarity": i.polarity,
                "sources": i.sources,
                "doc": i.doc,
            }
            for i in indicators
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        # The code (what `show` takes), then the indicator as its page describes it.
        width = max((len(i.code) for i in indicators), default=0)
        for i in indicators:
            self.stdout.write(
                f"{i.code:<{width}}  {i.name} — {i.unit_label or 'nombre'} ; {i.aggregation_label}"
            )

    def show(self, options):
        _ensure_catalogue()
        try:
            indicator = Indicator.objects.get(code=options["code"])
        except Indicator.DoesNotExist as exc:
            raise CommandError(f"Indicateur inconnu : {options['code']}") from exc
        territory = territory_from(options["territory"], self.stderr)
        value = services.latest_value(indicator, territory, options["period"])
        target = Target.objects.filter(indicator=indicator, territory=territory).first()
        data = {
            "indicator": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "territory": {"code": territory.code, "level": territory.level, "name": territory.name},
            "period": value.period if value else None,
            "value": value.value if value else None,
            "numerator": value.numerator if value else None,
            "denominator": value.denominator if value else None,
            "version": value.version if value else None,
            "provenance": value.provenance if value else None,
            "target": None
            if target is None
            else {
                "not_applicable": target.not_applicable,
                "value": target.target_value,
                "deadline": target.deadline,
                "baseline_value": target.baseline_value,
                "baseline_period": target.baseline_period or None,
            },
            "status": (target.status or None) if target else None,
            "status_label": services.STATUS_LABELS.get(target.status)
            if target and target.status
            else None,
            "status_reason": target.status_reason if target else None,
        }
        missing = completeness.missing_communes(indicator, territory, value)
        if missing:
            data["missing_communes"] = {
                "period": missing.period,
                "previous": missing.previous,
                "communes": missing.names,
                "share_percent": round(missing.share, 1),
                "window_months": missing.window,
                "short_months": missing.short_months,
                "sentence": missing.sentence(),
            }
        if options["period"] and value and value.period != options["period"]:
            data["note"] = (
                f"pas de valeur pour {options['period']} : dernière valeur connue avant cette date"
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        unit = indicator.unit_label
        lines = [f"{indicator.name} ({indicator.code}) — {territory.name} ({territory.code})"]
        if value is None:
            lines.append("  valeur       : aucune valeur calculée pour ce territoire")
        else:
            lines += [
                f"  période      : {month(data['period'])}",
                f"  valeur       : {_fmt(data['value'])} {unit}".rstrip(),
                f"  numérateur   : {_fmt(data['numerator'])}",
                f"  dénominateur : {_fmt(data['denominator'])}",
            ]
        if target:
            lines.append(
                f"  cible        : {_fmt(target.target_value)} {unit} à l'échéance"
                f" {month(target.deadline) if target.deadline else '—'}"
            )
            lines.append(f"  statut       : {data['status_label'] or '—'} ({target.status_reason})")
        else:
            lines.append("  cible        : aucune")
        if value is not None:
            lines.append(f"  provenance   : {data['provenance']}")
        if missing:
            lines.append(f"  attention    : {missing.sentence()}")
        self.stdout.write("\n".join(lines))


def _ensure_catalogue() -> None:
    """Mirror the definition files in the database when they are not there yet.

    Reading and validating every definition takes longer than answering: `compute`, imports and
    migrations keep the catalogue in step, so a read-only command syncs only an empty one.
    """
    if not Indicator.objects.exists():
        services.sync_catalogue()


def _fmt(value: float | None) -> str:
    """A figure as the pages write it, to two decimals at most: « 303 179 », « 30,32 »."""
    return "—" if value is None else number(value, 2).removesuffix(",00")


def _source_tables() -> set[str]:
    # lazy: the contract describes its tables with Arrow types; `show` and `list` need neither.
    from capsante.ingest import contract

    return set(contract.TABLES)


class StepsAfterEngine:
    """What follows the engine (storing the values, then assessing the targets), on a line of
    its own under the engine's bar, in French: a national first compute writes millions of
    values for half a minute or more after the engine's bar is full."""

    def __init__(self, engine_bar: tqdm, quiet: bool) -> None:
        self.engine_bar, self.quiet, self.line = engine_bar, quiet, None

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.line is None:
            self.engine_bar.close()
            self.line = tqdm(bar_format="{desc}", disable=self.quiet, file=sys.stderr)
        text = step[:1].upper() + step[1:]
        if total:
            text += f" : {number(done)} sur {number(total)} ({100 * done // total}{NBSP}%)"
        else:
            text += "…"
        self.line.set_description_str(text)

    def close(self) -> None:
        if self.line is not None:
            self.line.close()
