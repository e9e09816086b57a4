"""Commands that answer at once: `capsante indicators show` / `list` and the report commands on the
region demo, each run as a user runs it — a fresh process, bytecode compiled.

    .venv/bin/python bench/bench_commands.py [--rounds 5] [--compare REF] [--only show,list]

The demo (`capsante migrate`, `capsante demo`: Pays de la Loire, every source, ≈ 307,000 values)
is built once into data/bench/commands/ and reused. With --compare, a git worktree of REF runs
the same commands on the same database, alternately with the working tree in each round, so that
the machine's load — this machine is shared and its speed moves by half from one hour to the
next — falls on both alike, each first in every other round. Prints each command's sorted
wall times and median. The committee reports regenerate the demo's snapshot for the same dates
(the first run creates it), as a user asking again for the same report does; the `committee-new`
ones make a new snapshot each time (`--refresh`), as the first request for a range does. The
roadmap PDF is read back from its kept edition while nothing it shows has changed (decision 0050:
the first run lays it out); `roadmap-new-pdf` lays it out every time (`--refresh`), as the first
request after a change does.

Bytecode: the shell here sets PYTHONDONTWRITEBYTECODE, with which every project module is
compiled again at each start (a third of a second per command); the children run without it,
after `compileall` of each tree, as an installed platform runs (`make install` compiles).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from worktree import compared_worktree

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench" / "commands"

# The committee report with a new snapshot, as the first request for a range makes one: the
# targets assessed at its end and the indicators that moved, before the layout.
NEW_COMMITTEE_REPORT = ["report", "committee", "--territory", "53", "--refresh", "--output"]
COMMANDS = {
    "show": ["indicators", "show", "INS_QUALIFICATION", "--territory", "53"],
    "list": ["indicators", "list"],
    "show-json": ["indicators", "show", "MES_ACTIVATION", "--territory", "R52", "--format", "json"],
    # A rolling 12-month figure: its missing communes read from the list the import kept.
    "show-window": ["indicators", "show", "DMP_DOCS_PER_INHABITANT", "--territory", "53"],
    "committee-docx": ["report", "committee", "--territory", "53", "--output", "{out}/c.docx"],
    "committee-html": ["report", "committee", "--territory", "53", "--output", "{out}/c.html"],
    "committee-pdf": ["report", "committee", "--territory", "53", "--output", "{out}/c.pdf"],
    "committee-new-html": [*NEW_COMMITTEE_REPORT, "{out}/cn.html"],
    "committee-new-pdf": [*NEW_COMMITTEE_REPORT, "{out}/cn.pdf"],
    "roadmap-html": ["report", "roadmap", "--territory", "72", "--output", "{out}/r.html"],
    "roadmap-pdf": ["report", "roadmap", "--territory", "72", "--output", "{out}/r.pdf"],
    "roadmap-new-pdf": [
        "report",
        "roadmap",
        "--territory",
        "72",
        "--refresh",
        "--output",
        "{out}/rn.pdf",
    ],
}


def environment() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "DATABASE_URL")
    }
    return env | {"CAPSANTE_DATA_DIR": str(DATA), "CAPSANTE_HTTPS": "false"}


def capsante(tree: Path, arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`capsante <arguments>` with the code of `tree` (first on the path, before the installed
    project), as the console command runs it."""
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); sys.argv = ['capsante', *{arguments!r}];"
        " from capsante.cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )


def build_demo(env: dict[str, str]) -> None:
    if (DATA / "capsante.sqlite3").exists():
        # A demo built by earlier code gets the tables of this code's models, and its targets
        # assessed by this code this month, as by the night's recompute before a morning's
        # report: a new committee snapshot reads them back (decision 0047) only then.
        for arguments in (["migrate", "--no-input", "-v0"], ["indicators", "compute"]):
            done = capsante(ROOT, arguments, env)
            if done.returncode:
                sys.exit(f"capsante {' '.join(arguments)}: {done.stderr[-2000:]}")
        return
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for arguments in (["migrate", "--no-input", "-v0"], ["demo"]):
        done = capsante(ROOT, arguments, env)
        if done.returncode:
            sys.exit(f"capsante {' '.join(arguments)}: {done.stderr[-2000:]}")
    print(f"demo built in {DATA} in {time.perf_counter() - started:.0f} s")


def timed(tree: Path, arguments: list[str], env: dict[str, str]) -> float | None:
    started = time.perf_counter()
    done = capsante(tree, arguments, env)
    seconds = time.perf_counter() - started
    if done.returncode:
        print(f"  {tree.name}: capsante {' '.join(arguments)} failed: {done.stderr[-300:]}")
        return None
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", help="a git reference run alternately with the working tree")
    parser.add_argument("--only", help="commands, comma-separated: " + ", ".join(COMMANDS))
    options = parser.parse_args()
    env = environment()
    build_demo(env)
    names = options.only.split(",") if options.only else list(COMMANDS)
    trees = {"this tree": ROOT}
    with (
        compared_worktree(options.compare, ROOT) as other,
        tempfile.TemporaryDirectory(prefix="bench-commands-") as folder,
    ):
        scratch = Path(folder)
        if other is not None:
            trees = {options.compare: other, "this tree": ROOT}
        for tree in trees.values():
            compileall.compile_dir(tree / "capsante", quiet=1)
        print(f"{options.rounds} rounds, each command in a fresh process; sorted wall times (s)")
        for name in names:
            arguments = [a.format(out=scratch) for a in COMMANDS[name]]
            times: dict[str, list[float]] = {label: [] for label in trees}
            for round_number in range(options.rounds):
                # Each tree first in every other round: neither always runs on a warmer cache.
                order = list(trees.items())[:: 1 if round_number % 2 == 0 else -1]
                for label, tree in order:
                    seconds = timed(tree, arguments, env)
                    if seconds is not None:
                        times[label].append(seconds)
            for label, values in times.items():
                runs = " ".join(f"{t:.2f}" for t in sorted(values))
                median = f"{statistics.median(values):.2f}" if values else "—"
                print(f"{name:<15} {label:<12} median {median:>5}   {runs}")


if __name__ == "__main__":
    main()
