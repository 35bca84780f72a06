"""Is this Python able to run the tool?  Standard library only, so it works when nothing else does.

``python3 build.py check`` run outside the project's virtual environment
failed on the first third-party import and was reported as an "internal
error ... please report it" (exit 3): it is neither a bug nor the content's
fault, but a setup step the user skipped, and the message has to say which.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

#: the oldest Python the engine runs on (pyproject.toml, requires-python)
MIN_PYTHON = (3, 11)
#: exit status for a Python that cannot run the tool (the "usage error" status)
EXIT_SETUP = 2


def venv_python(root: Path) -> Path:
    return root / ".venv" / "bin" / "python"


def _in_project_venv(root: Path) -> bool:
    try:
        return Path(sys.prefix).resolve() == (root / ".venv").resolve()
    except OSError:
        return False


def is_missing_dependency(exc: BaseException) -> bool:
    """A module outside the engine is not installed (not a bug in the engine's own imports)."""
    if not isinstance(exc, ModuleNotFoundError):
        return False
    name = (exc.name or "").split(".")[0]
    return bool(name) and name != "engine"


def missing_dependency_message(exc: ModuleNotFoundError, root: Path, argv: list[str]) -> str:
    """What is missing, for which Python, and the command that works instead."""
    rest = shlex.join(argv)
    python, script, where = ".venv/bin/python", "build.py", ""
    try:
        here = Path.cwd().resolve() == root.resolve()
    except OSError:
        here = False
    if not here:        # run from elsewhere: paths that work from the current folder
        python, script = str(venv_python(root)), str(root / "build.py")
        where = f" in {root}"
    module = (exc.name or "?").split(".")[0]
    lines = [f"build.py: error: the Python package '{module}' is not installed for "
             f"{sys.executable or 'this Python'}, so the build's dependencies are missing"]
    venv = venv_python(root)
    if _in_project_venv(root):
        lines.append(f"  the project's .venv is incomplete (requirements.txt changed?); "
                     f"run 'make build'{where} to install what is missing")
    elif venv.exists():
        lines.append("  they are installed in the project's .venv; run the tool with its Python:")
        lines.append(f"    {python} {script} {rest}".rstrip())
    else:
        lines.append(f"  run 'make build'{where} once (it creates .venv/ with the pinned packages of "
                     f"requirements.txt), then:")
        lines.append(f"    {python} {script} {rest}".rstrip())
    return "\n".join(lines)


def python_too_old_message() -> str | None:
    if sys.version_info >= MIN_PYTHON:
        return None
    have = ".".join(map(str, sys.version_info[:3]))
    need = ".".join(map(str, MIN_PYTHON))
    return (f"build.py: error: Python {need} or newer is needed ({sys.executable} is {have}); "
            f"'make build PYTHON=python{need}' sets up .venv/ with a newer one")
