"""A read-only copy of an earlier commit of this repository, for measuring it beside the working tree in the
same run (machines here are noisy: a baseline from another day says little).

    with checkout("9a45db0") as old_repo:   # a temporary folder holding that commit's files
        ... start the old app from old_repo ...

``git archive`` writes the commit's tracked files into a temporary folder (no worktree bookkeeping left
behind in .git); the folder is removed on exit, also on failure. Data files tracked with the commit come
along, so the old app loads the demo it shipped with.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE_REF = "9a45db0"  # main before the one-request-per-action rework (issue 9): "today's main" in its text


def describe(ref: str, repo: Path = REPO) -> str:
    """``ref`` as a short commit id (raises ValueError for an unknown ref)."""
    result = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", f"{ref}^{{commit}}"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"unknown git ref {ref!r}: {result.stderr.strip()}")
    return result.stdout.strip()


@contextmanager
def checkout(ref: str, repo: Path = REPO) -> Iterator[Path]:
    describe(ref, repo)
    with tempfile.TemporaryDirectory(prefix=f"sozialmonitor-{ref}-") as tmp:
        archive = Path(tmp) / "tree.tar"
        subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", "-o", str(archive), ref], check=True)
        target = Path(tmp) / "repo"
        target.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        archive.unlink()
        yield target
