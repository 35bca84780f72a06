"""SiteLoader: after an edit only the edited template is recompiled, and no edit is missed."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from engine.load.templates import SiteLoader, TemplateDeps, make_env


@pytest.fixture()
def templates(tmp_path: Path) -> Path:
    (tmp_path / "base.html").write_text("<main>{% block main %}{% endblock %}</main>"
                                        "{% include 'footer.html' %}\n", encoding="utf-8")
    (tmp_path / "page.html").write_text("{% extends 'base.html' %}{% block main %}{{ text }}{% endblock %}",
                                        encoding="utf-8")
    (tmp_path / "footer.html").write_text("<footer>one</footer>", encoding="utf-8")
    return tmp_path


def render(env: jinja2.Environment) -> str:
    return env.get_template("page.html").render(text="hi")


def test_an_edited_include_is_recompiled_and_the_rest_kept(templates: Path) -> None:
    env = make_env(templates)
    assert render(env) == "<main>hi</main><footer>one</footer>"
    page, base = env.get_template("page.html"), env.get_template("base.html")
    (templates / "footer.html").write_text("<footer>two</footer>", encoding="utf-8")
    assert render(env) == "<main>hi</main><footer>one</footer>", "nothing changes before refresh()"
    assert env.loader.refresh() == {"footer.html"}  # type: ignore[union-attr]
    assert render(env) == "<main>hi</main><footer>two</footer>"
    assert env.get_template("page.html") is page and env.get_template("base.html") is base


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(templates: Path) -> None:
    env = make_env(templates)
    render(env)
    footer = templates / "footer.html"
    before = footer.stat()
    footer.write_text("<footer>owt</footer>", encoding="utf-8")     # same length
    os.utime(footer, ns=(before.st_atime_ns, before.st_mtime_ns))  # same modification time
    assert env.loader.refresh() == {"footer.html"}  # type: ignore[union-attr]
    assert render(env).endswith("<footer>owt</footer>")


def test_a_deleted_template_is_no_longer_found(templates: Path) -> None:
    env = make_env(templates)
    render(env)
    (templates / "footer.html").unlink()
    assert env.loader.refresh() == {"footer.html"}  # type: ignore[union-attr]
    with pytest.raises(jinja2.TemplateNotFound):
        render(env)


def test_a_syntax_error_then_its_fix(templates: Path) -> None:
    env = make_env(templates)
    render(env)
    footer = templates / "footer.html"
    footer.write_text("<footer>{% if %}</footer>", encoding="utf-8")
    env.loader.refresh()  # type: ignore[union-attr]
    with pytest.raises(jinja2.TemplateSyntaxError):
        render(env)
    footer.write_text("<footer>fixed</footer>", encoding="utf-8")
    env.loader.refresh()  # type: ignore[union-attr]
    assert render(env).endswith("<footer>fixed</footer>")


def test_template_deps_follow_an_edit_that_adds_an_include(templates: Path) -> None:
    env = make_env(templates)
    refs: dict[str, tuple[str, ...]] = {}
    assert TemplateDeps(env, refs).of("page.html") == {"page.html", "base.html", "footer.html"}
    (templates / "extra.html").write_text("x", encoding="utf-8")
    (templates / "footer.html").write_text("<footer>{% include 'extra.html' %}</footer>", encoding="utf-8")
    assert TemplateDeps(env, refs).of("page.html") == {"page.html", "base.html", "footer.html", "extra.html"}


def test_reading_for_dependencies_does_not_mark_a_template_current(templates: Path) -> None:
    env = make_env(templates)
    render(env)
    (templates / "footer.html").write_text("<footer>three</footer>", encoding="utf-8")
    loader = env.loader
    assert isinstance(loader, SiteLoader)
    loader.refresh()
    TemplateDeps(env).of("page.html")          # reads footer.html's new text
    assert render(env).endswith("<footer>three</footer>")


def _diagnostic_of(templates: Path, text: str) -> str:
    from engine.load.templates import template_diagnostic
    (templates / "bad.html").write_text(text, encoding="utf-8")
    env = make_env(templates)
    try:
        env.get_template("bad.html").render(n=0)
    except Exception as exc:  # noqa: BLE001 - whatever the template raised
        return template_diagnostic(exc, templates, "templates", "content/x.md").format()
    raise AssertionError("the template rendered")


@pytest.mark.parametrize("text, where, message", [
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(1) }}\n", "1:1", "calls itself without end"),
    ("<p>\n{% include 'bad.html' %}\n", "2:1", "calls itself without end"),
    ("{% extends 'bad.html' %}\n", "1:1", "calls itself without end"),
    ("a\nb\n{{ 1 / n }}\n", "3:1", "division by zero"),
    ("a\n{{ 10.0 ** 1000 }}\n", "2:1", "template error: OverflowError"),
    ("a\n{{ 'x'.encode('ascii', 'nope') }}{{ '\u00e9'.encode('ascii') }}\n", "2:1", "UnicodeEncodeError"),
])
def test_any_failure_in_a_template_is_placed_on_its_line(templates: Path, text: str, where: str,
                                                          message: str) -> None:
    out = _diagnostic_of(templates, text)
    assert out.startswith(f"templates/bad.html:{where}: error: ") and message in out, out
    assert "hint:" in out
