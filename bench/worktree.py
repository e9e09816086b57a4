"""The code of another git reference beside this tree's, for a bench that measures both in the
same rounds (`bench_engine.py --compare`, `bench_commands.py --compare`): on a shared machine,
only measures taken side by side can be compared."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def compared_worktree(reference: str | None, root: Path) -> Iterator[Path | None]:
    """A git worktree of `reference` (detached), removed at the end; None when no reference."""
    if reference is None:
        yield None
        return
    scratch = Path(tempfile.mkdtemp(prefix="bench-compared-"))
    tree = scratch / "compared"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(tree), reference], cwd=root, check=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
