"""``build --minify``: minify HTML, CSS and JS with minify-html, before they are written."""

from __future__ import annotations

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


def minify_page(html: str) -> str:
    """Used as the renderer's finishing step, so pages are minified as they are rendered
    (in the worker processes) and the build cache stores the bytes that are served."""
    return minify_text(html, ".html")
