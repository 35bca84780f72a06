"""The floor: the least a Python generator must do (Jinja2 + Python-Markdown + PyYAML, N processes).

Usage: floor.py CONTENT_DIR DATA_FILE OUTPUT_DIR [PROCESSES]
"""
import multiprocessing
import sys
from pathlib import Path

import jinja2
import markdown
import yaml

TEMPLATE = jinja2.Template("""<!DOCTYPE html><html><head><title>{{ meta.title }}</title></head><body>
<h1>{{ meta.title }}</h1>{{ body }}
<ul>{% for n in nutrients if meta.topic in (n.body_parts or []) %}<li>{{ n.name }}: {{ n.summary }}</li>{% endfor %}</ul>
</body></html>""", autoescape=False)
STATE = {}


def render(path):
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    meta = yaml.load(fm, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    md = STATE.setdefault("md", markdown.Markdown(extensions=["tables", "toc"]))
    md.reset()
    html = TEMPLATE.render(meta=meta, body=md.convert(body), nutrients=STATE["data"]["nutrients"])
    target = STATE["out"] / path.stem / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def main():
    content, data, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    STATE["data"] = yaml.safe_load(data.read_text(encoding="utf-8"))
    STATE["out"] = out
    files = sorted(content.glob("*.md"))
    with multiprocessing.get_context("fork").Pool(int(sys.argv[4]) if len(sys.argv) > 4 else 2) as pool:
        pool.map(render, files, chunksize=max(1, len(files) // 16))


if __name__ == "__main__":
    main()
