"""Stage 5 - write: put the rendered site on disk.

A full build assembles the new site in a staging folder beside the output
folder and swaps it in with two renames only after everything has been
written, so an error or an interrupt mid-build leaves the previous output
exactly as it was.  Files whose bytes did not change are hard-linked from the
previous output instead of being written again, so they keep their
modification times (cheap rsync and deploys) and cost no disk writes.
An incremental build whose cache vouches for the whole output folder updates
it in place instead (:class:`InPlaceOutput`): re-linking ten thousand
unchanged pages would cost more than the one page that changed.
A marker file identifies folders this tool made; anything else is refused,
so a mistyped ``--output`` can never delete an editor's work.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import UsageError
from ..layout import MARKER, MARKER_TEXT, is_marked
from ..project import Project

if TYPE_CHECKING:  # pragma: no cover
    import subprocess



def _is_inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def check_output_dir(out: Path, project: Project) -> Path:
    """Resolve *out* and refuse folders the tool must not replace."""
    out = out.resolve()
    root = project.root.resolve()
    for protected in project.protected():
        protected = protected.resolve()
        if out == protected or _is_inside(protected, out):
            raise UsageError(f"refusing to use {out} as the output folder: it is (or contains) "
                             f"{project.rel(protected) or 'the project root'}; choose e.g. {root / 'output'}")
    for source in project.source_dirs():
        if _is_inside(out, source.resolve()):
            raise UsageError(f"refusing to write output inside {project.rel(source)}/")
    if out == Path(out.anchor) or out == Path.home():
        raise UsageError(f"refusing to use {out} as the output folder")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out} exists and is not a folder")
        if not is_marked(out) and _has_entries(out):
            raise UsageError(f"refusing to replace {out}: it was not made by this tool "
                             f"(no {MARKER} file); empty it or choose another --output")
    return out


def _has_entries(folder: Path) -> bool:
    """Whether *folder* holds anything; stops at the first entry (a built site's
    output folder holds thousands, and this runs on every build)."""
    with os.scandir(folder) as entries:
        return next(entries, None) is not None


#: what :meth:`StagedOutput.write` did with a file: linked unchanged bytes, or wrote new ones
KEPT, WRITTEN = "kept", "written"


class _Ledger:
    """What an output writer did with each file, for the build's summary and commit."""

    kept: list[str]
    written: list[str]

    def note(self, rel: str, action: str) -> None:
        """Record what :meth:`write` (or a worker's call of it) did with *rel*."""
        (self.kept if action == KEPT else self.written).append(rel)


class StagedOutput(_Ledger):
    """A staging folder that becomes the output folder on :meth:`commit` (full builds).

    ``written`` lists the files whose bytes are new or changed, ``kept`` those
    linked unchanged from the previous output.
    """

    in_place = False

    def __init__(self, out: Path, keep_unchanged: bool = True):
        self.out = out
        clear_leftovers(out)
        self.staging = fresh_folder(out, "staging")
        self.root = self.staging
        self.previous = out if keep_unchanged and (out / MARKER).is_file() else None
        self.written: list[str] = []
        self.kept: list[str] = []
        self.removed: list[str] = []
        self._dirs: set[str] = {str(self.staging)}

    def path(self, rel: str) -> Path:
        return self.root / _inside(rel)

    def _target(self, rel: str) -> Path:
        return _made_parent(self.path(rel), self._dirs)

    def put(self, rel: str, data: bytes) -> None:
        """Stage *data* as *rel*: linked from the previous output when the bytes are the same."""
        self.note(rel, self.write(rel, data))

    def write(self, rel: str, data: bytes) -> str:
        """:meth:`put`'s file-system half, safe in a forked worker: returns KEPT or WRITTEN
        for :meth:`note` (the caller's bookkeeping)."""
        target = self._target(rel)
        if self.previous is not None and _same_bytes(self.previous / rel, data):
            try:
                os.link(self.previous / rel, target)
                return KEPT
            except OSError:
                pass
        target.write_bytes(data)
        return WRITTEN

    def keep(self, rel: str) -> bool:
        """The previous output's *rel* is known (from the build cache) to be current: link it.
        False when it cannot be linked, so the caller writes the bytes instead."""
        if not self.link(rel):
            return False
        self.note(rel, KEPT)
        return True

    def link(self, rel: str) -> bool:
        """:meth:`keep`'s file-system half (safe in a forked worker)."""
        if self.previous is None:
            return False
        try:
            os.link(self.previous / rel, self._target(rel))
        except OSError:
            return False
        return True

    def carry_over(self, rel_dir: str) -> None:
        """Hard-link a folder of the previous output into the staging folder, if it exists."""
        if self.previous is None or not (self.previous / rel_dir).is_dir():
            return
        source = self.previous / rel_dir
        for path in sorted(source.rglob("*")):
            if path.is_file():
                target = self.path(f"{rel_dir}/{path.relative_to(source).as_posix()}")
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    os.link(path, target)

    def adopt(self, rel_dir: str) -> None:
        """Account for files a tool wrote into *rel_dir* (the search index): link the
        ones whose bytes did not change, so they keep their modification times."""
        top = self.root / rel_dir
        if not top.is_dir():
            return
        for dirpath, _dirnames, filenames in os.walk(top):
            for name in filenames:
                path = Path(dirpath) / name
                rel = path.relative_to(self.root).as_posix()
                old = self.previous / rel if self.previous is not None else None
                if old is not None and _same_file(path, old):
                    tmp = path.with_name(name + ".relink")
                    try:
                        os.link(old, tmp)
                        os.replace(tmp, path)
                        self.kept.append(rel)
                        continue
                    except OSError:
                        pass
                self.written.append(rel)

    def finish(self, wanted: set[str], previous: set[str] | None = None) -> None:
        """Nothing to delete in a fresh folder; note what the previous output had extra."""
        if self.previous is not None:
            self.removed = sorted(_listing(self.previous) - wanted)

    def commit(self) -> None:
        # unique even if a previous build's replaced output (same pid) is still being removed
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}-{time.time_ns()}"
        if self.out.exists():
            os.replace(self.out, old)
        try:
            os.replace(self.staging, self.out)
        except OSError:
            if old.exists():
                os.replace(old, self.out)
            raise
        self.root = self.out
        remove_in_background(old)

    def discard(self) -> None:
        remove_marked(self.staging)


def fresh_folder(out: Path, kind: str) -> Path:
    """A new marked folder ``.out.KIND-PID`` beside *out* (``-PID-NS`` if that name is taken
    by something :func:`clear_leftovers` could not prove was ours)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.parent / f".{out.name}.{kind}-{os.getpid()}"
    try:
        folder.mkdir()
    except FileExistsError:
        folder = folder.with_name(f"{folder.name}-{time.time_ns()}")
        folder.mkdir()
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return folder


def remove_in_background(folder: Path) -> subprocess.Popen[bytes] | None:
    """Delete a folder of ours (the replaced output) without making the build wait for it.

    The new output is already in place; what is left is garbage.  Deleting
    ten thousand small files is slow on some disks (on this project's
    ext4-with-discard test machine, 2 s for a 1,000-page site: longer than
    rendering it on one core), so a detached ``rm`` does it.  The marker
    file is deleted last (:data:`REMOVE_SCRIPT`): if the removal is killed
    half way, what is left still carries it, and the next build's
    :func:`clear_leftovers` finishes the job.  (A plain ``rm -rf`` deletes in
    directory order, marker included, and left folders no build could prove
    were its own.)  Without ``sh``/``find``/``rm`` (Windows) it is done here.
    Returns the detached process, if one was started.
    """
    if not folder.exists():
        return None
    if os.name != "posix" or not all(shutil.which(tool) for tool in ("sh", "find", "rm")):
        remove_marked(folder)
        return None
    import subprocess     # only when there is something to remove: not on every build's import
    try:
        proc = subprocess.Popen(["sh", "-c", REMOVE_SCRIPT, "sh", str(folder.resolve()), MARKER],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        remove_marked(folder)
        return None
    for name, earlier in list(_removing.items()):     # reap the finished ones
        if earlier.poll() is not None:
            del _removing[name]
    _removing[folder.name] = proc
    return proc


#: removals this process started, by folder name: a long-running preview rebuilds while the
#: output replaced at start-up is still being deleted, and must not start a second remover
_removing: dict[str, subprocess.Popen[bytes]] = {}


def _being_removed(folder: Path) -> bool:
    proc = _removing.get(folder.name)
    if proc is None:
        return False
    if proc.poll() is None:
        return True
    del _removing[folder.name]      # finished (and reaped); if the folder is still there, again
    return False


#: ``sh -c REMOVE_SCRIPT sh FOLDER MARKER``: everything in FOLDER but the marker, then the
#: marker, then FOLDER; each step only if the one before succeeded (POSIX find: no -maxdepth)
REMOVE_SCRIPT = ('cd -- "$1" && find . ! -name . -prune ! -name "$2" -exec rm -rf -- {} + '
                 '&& rm -f -- "$2" && cd / && rmdir -- "$1"')


def remove_marked(folder: Path, strict: bool = False) -> None:
    """:func:`remove_in_background`'s order, here and now: the marker goes last, so an
    interrupted removal leaves a folder still provably ours.  Errors are ignored (the
    next build tries again) unless *strict*."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    try:
        for entry in entries:
            if entry.name == MARKER:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except FileNotFoundError:       # removed meanwhile (by a background removal)
                pass
        (folder / MARKER).unlink(missing_ok=True)
        folder.rmdir()
    except FileNotFoundError:
        pass
    except OSError:
        if strict:
            raise


#: what builds leave beside the output folder ``out``: ``.out.staging-PID`` (a full build's
#: new site), ``.out.pending-PID`` (an in-place build's changed files), ``.out.old-PID-NS``
#: (a replaced output being deleted)
LEFTOVER = r"\.{name}\.(?P<kind>staging|pending|old)-(?P<pid>[0-9]+)(?:-[0-9]+)?"


def _alive(pid: int) -> bool:
    """Whether a process with this id is running (maybe a build at work on its folder)."""
    if pid == os.getpid():
        return False            # ours are from an earlier build of this process: finished
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _leftovers(out: Path) -> Iterator[tuple[Path, str, int]]:
    """(folder, kind, pid) of every folder beside *out* named as a build names its own."""
    pattern = re.compile(LEFTOVER.format(name=re.escape(out.name)))
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir(follow_symlinks=False):
            yield Path(entry.path), match["kind"], int(match["pid"])


def clear_leftovers(out: Path) -> None:
    """Remove what killed or interrupted builds left beside *out*; every build calls this.

    Only folders named as a build names them *and* holding the marker file
    are removed (an empty one is only ``rmdir``-ed): a name alone proves
    nothing, so a folder without the marker is left alone, whatever it is
    called (see :func:`unproven_leftovers`).  A staging or pending folder of
    a process that is still running belongs to a build at work and is kept.
    Each one is first renamed to a fresh ``.old-`` name, so a new build of
    the same process id never meets it, then deleted in the background.
    """
    for folder, kind, pid in _leftovers(out):
        if (kind != "old" and _alive(pid)) or _being_removed(folder):
            continue
        if not is_marked(folder):
            try:
                folder.rmdir()          # empty: a build killed right after making it
            except OSError:
                pass
            continue
        if kind != "old":
            moved = folder.with_name(f".{out.name}.old-{os.getpid()}-{time.time_ns()}")
            try:
                os.replace(folder, moved)
            except OSError:
                continue
            folder = moved
        remove_in_background(folder)


def unproven_leftovers(out: Path) -> list[Path]:
    """Folders beside *out* named like a build's leftovers but without the marker: not
    provably ours, so never deleted; the build names them so a person can decide."""
    return sorted(folder for folder, kind, pid in _leftovers(out)
                  if not (kind != "old" and _alive(pid)) and not is_marked(folder)
                  and any(folder.iterdir()))


class InPlaceOutput(_Ledger):
    """Update an existing output folder file by file (incremental builds).

    Used only when the build cache vouches for every file in the folder, so
    a one-page edit costs one write instead of re-linking thousands of
    unchanged files into a staging folder.  Changed files are first written to
    a pending folder beside the output and renamed into place on
    :meth:`commit`, after every page rendered: a mistake found while rendering
    still leaves the previous output untouched, and a reader never sees half
    a file.
    """

    in_place = True

    def __init__(self, out: Path):
        self.out = out
        clear_leftovers(out)
        # marked, so that what a killed build leaves is provably ours (see clear_leftovers)
        self.root = self.pending = fresh_folder(out, "pending")
        self._dirs: set[str] = {str(self.pending)}
        self.written: list[str] = []
        self.kept: list[str] = []
        self.removed: list[str] = []
        self._drop: list[str] = []
        self._committed: set[str] = set()
        self._out_dirs: set[str] = set()

    def _target(self, rel: str) -> Path:
        return _made_parent(self._pending_file(rel), self._dirs)

    def _pending_file(self, rel: str) -> Path:
        """Where *rel* waits for :meth:`commit`: flat, named by a digest of its path.

        Mirroring the output's folders here made a folder per changed page,
        created and deleted again on every build: twice the new inodes of
        the files themselves, and on a file system that avoids reusing
        recently freed inodes (ext4 without a journal, like the test
        machine's) each one costs a scan past the ones freed before it.
        The name depends only on *rel*, so forked workers agree on it.
        """
        return self.pending / hashlib.blake2b(_inside(rel).encode("utf-8", "surrogatepass"),
                                              digest_size=16).hexdigest()

    def put(self, rel: str, data: bytes) -> None:
        self.note(rel, self.write(rel, data))

    def write(self, rel: str, data: bytes) -> str:
        """:meth:`put`'s file-system half (safe in a forked worker), see StagedOutput.write."""
        if _same_bytes(self.out / rel, data):
            return KEPT
        self._target(rel).write_bytes(data)
        return WRITTEN

    def keep(self, rel: str) -> bool:
        self.kept.append(rel)
        return True

    def link(self, rel: str) -> bool:
        return True   # already there

    def carry_over(self, rel_dir: str) -> None:
        pass   # already there

    def adopt(self, rel_dir: str) -> None:
        pass

    def drop_dir(self, rel_dir: str) -> None:
        """Delete a folder a tool made (the search index) on commit."""
        self._drop.append(rel_dir)

    def finish(self, wanted: set[str], previous: set[str] | None = None) -> None:
        """Plan the deletion of the files of the previous build that this one no longer makes."""
        self.removed = sorted((previous or set()) - wanted)

    def commit_some(self, rels: list[str]) -> None:
        """Put these written files in place now (the live preview's open pages)."""
        for rel in rels:
            if rel not in self._committed:
                target = _made_parent(self.out / rel, self._out_dirs)
                os.replace(self._pending_file(rel), target)
                self._committed.add(rel)

    def commit(self) -> None:
        self.commit_some(self.written)
        for rel in self.removed:
            path = self.out / rel
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            parent = path.parent
            while parent != self.out:
                try:
                    parent.rmdir()          # only succeeds when empty
                except OSError:
                    break
                parent = parent.parent
        for rel_dir in self._drop:
            shutil.rmtree(self.out / rel_dir, ignore_errors=True)
        self.root = self.out
        remove_marked(self.pending)

    def discard(self) -> None:
        remove_marked(self.pending)


Output = StagedOutput | InPlaceOutput


def _inside(rel: str) -> str:
    """*rel* normalised; refuses paths that leave the folder.  The folders written
    to are new and hold no symlinks, so a lexical check is enough (and far cheaper
    than resolve() for thousands of files)."""
    norm = os.path.normpath(rel)
    if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep) or norm == ".":
        raise ValueError(f"output path escapes the output folder: {rel}")
    return norm


def _made_parent(target: Path, made: set[str]) -> Path:
    parent = str(target.parent)
    if parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(parent)
    return target


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if os.path.islink(path) or os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def _same_file(new: Path, old: Path) -> bool:
    try:
        return not os.path.islink(old) and _same_bytes(old, new.read_bytes())
    except OSError:
        return False


def _listing(top: Path) -> set[str]:
    found = set()
    for dirpath, _dirnames, filenames in os.walk(top):
        for name in filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), top).replace(os.sep, "/"))
    return found - {MARKER}


def clean_output(out: Path, project: Project) -> bool:
    """Delete a generated output folder; False when there was nothing to delete."""
    out = check_output_dir(out, project)
    if not out.exists():
        return False
    if not is_marked(out) and any(out.iterdir()):
        raise UsageError(f"refusing to delete {out}: it was not made by this tool")
    clear_leftovers(out)
    remove_marked(out, strict=True)    # interrupted, it leaves a folder the next build may replace
    return True
