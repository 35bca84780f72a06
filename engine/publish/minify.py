"""``build --minify``: minify HTML, CSS and JS in the output folder with minify-html."""

from __future__ import annotations

from pathlib import Path

from .assets import replace_text

HTML_OPTIONS = dict(minify_css=True, minify_js=True, keep_closing_tags=True,
                    keep_html_and_head_opening_tags=True, keep_comments=False)


def _wrapped(code: str, tag: str, attrs: str = "") -> str:
    import minify_html
    start, end = f"<{tag}{attrs}>", f"</{tag}>"
    result = minify_html.minify(start + code + end, minify_css=True, minify_js=True)
    if result.startswith(start[:-1]) and result.endswith(end):
        return result[result.index(">") + 1:-len(end)]
    return code  # the minifier changed the wrapper: keep the original rather than risk it


def minify_text(text: str, suffix: str) -> str:
    import minify_html
    if suffix == ".html":
        return minify_html.minify(text, **HTML_OPTIONS)
    if suffix == ".css":
        return _wrapped(text, "style")
    if suffix == ".js":
        return _wrapped(text, "script")
    return text


def minify_tree(out: Path) -> int:
    """Minify every .html/.css/.js file under *out* (except the search bundle); return how many changed."""
    changed = 0
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".css", ".js"):
            continue
        if "pagefind" in path.relative_to(out).parts:
            continue
        text = path.read_text(encoding="utf-8")
        small = minify_text(text, path.suffix)
        if small != text:
            replace_text(path, small)
            changed += 1
    return changed
