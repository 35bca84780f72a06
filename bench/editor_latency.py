"""Save-to-preview latency of the editor (``/_edit/``) on a copy of the real site.

Starts ``build.py serve`` on a free port, then N times: POST a one-value change of a
magnesium food source (as the editor's page does) and wait until the nutrient page in the
output folder has the new text.  Prints the medians of: the save request (checks included),
and save-to-output (request sent -> page in output/).  Not a test: timings vary by machine.

    .venv/bin/python bench/editor_latency.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import make_project  # noqa: E402
from test_serve import Server  # noqa: E402

from engine.serve import yamledit  # noqa: E402
from engine.serve.forms import plain  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="editor-bench-"))
    root = make_project(tmp / "real", fixture=None)
    server = Server(root, "--no-search")
    host = f"127.0.0.1:{server.port}"
    data_file = root / "data" / "nutrients.yaml"
    page = root / "output" / "nutrients" / "magnesium" / "index.html"
    requests, totals = [], []
    try:
        for n in range(args.repeat):
            status, _, body = server.request("/_edit/data/nutrients.yaml")
            base = body.decode().split('data-base="', 1)[1].split('"', 1)[0]
            data = plain(yamledit.load(data_file.read_text()))
            word = f"nuts {n} bench"
            data["nutrients"][0]["food_sources"]["items"][1] = word
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            started = time.perf_counter()
            conn.request("POST", "/_edit/data/nutrients.yaml", body=json.dumps({"base": base, "data": data}),
                         headers={"Content-Type": "application/json", "Origin": f"http://{host}", "Host": host})
            answer = conn.getresponse()
            answer.read()
            saved = time.perf_counter()
            conn.close()
            assert answer.status == 200, answer.status
            while word not in page.read_text(encoding="utf-8", errors="replace"):
                if time.perf_counter() - started > 30:
                    raise SystemExit("the page was not updated within 30 s")
                time.sleep(0.005)
            done = time.perf_counter()
            requests.append(saved - started)
            totals.append(done - started)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"save request (checks + write), median of {args.repeat}: {statistics.median(requests) * 1000:.0f} ms")
    print(f"save -> page updated in output/, median of {args.repeat}: {statistics.median(totals) * 1000:.0f} ms")
    print(f"  after the save answered: {statistics.median(t - r for t, r in zip(totals, requests)) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
