"""The editor inside ``build.py serve`` (``/_edit/``): a real server on a free port, a copy of
the real site in a git repository, and headless Chromium through Playwright."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import make_project, run_cli
from test_serve import CHROMIUM, CHROMIUM_ARGS, Server, browser, free_port  # noqa: F401

FOOD = "nutrients[magnesium].food_sources.items[1]"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the real site, committed, so 'git diff' shows what the editor changed."""
    root = make_project(tmp_path / "real", fixture=None)
    git(root, "init", "-q")
    git(root, "add", "content", "data")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    return root


@pytest.fixture
def server(repo: Path):
    srv = Server(repo, "--no-search")
    yield srv
    srv.stop()


def post(server: Server, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if data.startswith(b"{") else {})
    finally:
        conn.close()


def form_base(server: Server, name: str) -> str:
    status, _, body = server.request(f"/_edit/data/{name}")
    assert status == 200
    return body.decode().split('data-base="', 1)[1].split('"', 1)[0]


def test_index_lists_data_files_and_articles(server: Server) -> None:
    status, _, body = server.request("/_edit/")
    text = body.decode()
    assert status == 200
    assert '<a href="/_edit/data/nutrients.yaml">nutrients.yaml</a>' in text
    assert '<a href="/_edit/data/relief.yaml">relief.yaml</a>' in text
    assert "content/calf-cramps.md" in text and 'href="/calf-cramps/"' in text


def test_form_comes_from_the_schema(server: Server) -> None:
    status, _, body = server.request("/_edit/data/nutrients.yaml")
    text = body.decode()
    assert status == 200
    assert f'name="{FOOD}"' in text and 'value="nuts"' in text
    # an enum is a select, a required field is marked, descriptions are help text
    assert '<select id=' in text and 'name="nutrients[magnesium].cramp_link.relation"' in text
    assert '(required)' in text and "Foods that supply it." in text
    assert "data-add" in text and "data-remove" in text and "data-up" in text


def test_paths_outside_data_are_not_served_or_written(server: Server, repo: Path) -> None:
    for path in ("/_edit/data/..%2Fcontent%2Fabout.md", "/_edit/data/site.schema.json",
                 "/_edit/data/.hidden.yaml", "/_edit/data/missing.yaml"):
        assert server.request(path)[0] == 404, path


def test_write_from_another_origin_is_refused(server: Server, repo: Path) -> None:
    before = (repo / "data" / "nutrients.yaml").read_bytes()
    base = form_base(server, "nutrients.yaml")
    body = json.dumps({"base": base, "data": {"nutrients": []}}).encode()
    host = f"127.0.0.1:{server.port}"
    for headers in ({"Origin": "http://evil.example", "Host": host},
                    {"Origin": f"http://{host}", "Host": "evil.example"},
                    {"Host": host},                                     # no Origin at all
                    {"Origin": f"http://localhost:{server.port}", "Host": host}):
        status, answer = post(server, "/_edit/data/nutrients.yaml", body,
                              {"Content-Type": "application/json", **headers})
        assert status == 403, headers
        assert "refused" in answer["message"]
    # a form post (not JSON) from the page's own origin is refused too
    status, _ = post(server, "/_edit/data/nutrients.yaml", b"base=x",
                     {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{host}", "Host": host})
    assert status == 403
    assert (repo / "data" / "nutrients.yaml").read_bytes() == before


@browser
def test_edit_a_food_source_in_the_browser(server: Server, repo: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect
    nutrients = repo / "data" / "nutrients.yaml"
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context()
            live = context.new_page()
            live.goto(f"http://127.0.0.1:{server.port}/nutrients/magnesium/")
            expect(live.locator("main")).to_contain_text("nuts")
            expect(live.locator("main")).not_to_contain_text("nuts and almonds")
            edit = context.new_page()
            edit.goto(f"http://127.0.0.1:{server.port}/_edit/")
            edit.get_by_role("link", name="nutrients.yaml", exact=True).click()
            field = edit.locator(f'[name="{FOOD}"]')
            expect(field).to_have_value("nuts")
            builds = server.status()["builds"]
            field.fill("nuts and almonds")
            edit.get_by_role("button", name="Save").first.click()
            expect(edit.locator("#status")).to_contain_text("Saved data/nutrients.yaml (1 line changed)",
                                                            timeout=30000)
            diff = git(repo, "diff", "-U0", "--", "data/nutrients.yaml")
            changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
            assert changed == ['-        - "nuts"', '+        - "nuts and almonds"'], diff
            assert nutrients.read_text().startswith("# yaml-language-server: $schema=../schemas/nutrients.schema.json\n"
                                                    "# Nutrients discussed on the site.")
            # the open page follows, with no reload by hand
            expect(live.locator("main")).to_contain_text("nuts and almonds", timeout=15000)
            assert server.status()["builds"] > builds

            # emptying a required field: the message next to it, the file unchanged
            saved = nutrients.read_bytes()
            name = edit.locator('[name="nutrients[magnesium].name"]')
            name.fill("")
            edit.get_by_role("button", name="Save").first.click()
            field_box = edit.locator('.field[data-key="name"]').first
            expect(field_box.locator(".msg")).to_be_visible(timeout=30000)
            expect(edit.locator("#status")).to_contain_text("not saved")
            expect(edit.locator("#status .summary")).to_contain_text("data/nutrients.yaml:")
            expect(edit.locator("#status .summary")).to_contain_text("nutrients[magnesium].name")
            assert nutrients.read_bytes() == saved

            # changed on disk since the form was loaded: never overwritten, reload offered
            name.fill("Magnesium")
            on_disk = saved.replace(b"    name: Magnesium\n", b"    name: Magnesium (Mg)\n")
            assert on_disk != saved
            nutrients.write_bytes(on_disk)
            field.fill("nuts, almonds")
            edit.get_by_role("button", name="Save").first.click()
            expect(edit.locator("#status")).to_contain_text("changed on disk", timeout=30000)
            assert nutrients.read_bytes() == on_disk
            edit.locator("#reload").click()
            expect(edit.locator('[name="nutrients[magnesium].name"]')).to_have_value("Magnesium (Mg)")
        finally:
            chromium.close()


def test_each_record_lists_where_it_is_used(server: Server, repo: Path) -> None:
    """The pages that show a record (or cite a reference), as links, from the build's records."""
    text = server.request("/_edit/data/nutrients.yaml")[2].decode()
    magnesium = text.split('id="record-magnesium"', 1)[1].split('<div class="object"', 1)[0]
    assert "Where used:" in magnesium
    assert '<a href="/nutrients/magnesium/" title="data/nutrients.yaml">/nutrients/magnesium/</a>' in magnesium
    assert 'href="/calf-cramps/"' in magnesium and 'href="/search/"' not in magnesium
    # the same pages as 'build.py where magnesium'
    listed = set(re.findall(r'<a href="([^"]+)" title=', magnesium))
    cli = run_cli(repo, "where", "magnesium")
    assert listed == {line.split()[0] for line in cli.out.splitlines()[:-1]}
    refs = server.request("/_edit/data/references.yaml")[2].decode()
    nhs = refs.split('id="record-nhs-leg-cramps"', 1)[1].split('<div class="object"', 1)[0]
    assert 'href="/calf-cramps/"' in nhs and 'href="/references/"' in nhs


def test_dashboard_lists_what_editors_must_act_on(repo: Path) -> None:
    """Overdue and due reviews, an uncited statement, a reference nobody cites, a broken internal
    link and every page's reading level, each linking to its form or page."""
    import datetime as dt
    today = dt.date.today()
    toe = repo / "content" / "toe-cramps.md"
    text = toe.read_text()
    text = re.sub(r"last_reviewed: .*", "last_reviewed: 2020-01-01", text, count=1)
    text = re.sub(r"next_review: .*", "next_review: 2021-01-01", text, count=1)
    text += "\nCramps in the toes are very common in people who wear tight shoes every day.\n"
    text += "\nSee [the missing page](/no-such-page/) for more.\n{: .site-text}\n"
    toe.write_text(text)
    calf = repo / "content" / "calf-cramps.md"
    soon = (today + dt.timedelta(days=10)).isoformat()
    calf.write_text(re.sub(r"next_review: .*", f"next_review: {soon}", calf.read_text(), count=1))
    refs = repo / "data" / "references.yaml"
    refs.write_text(refs.read_text().replace("references:\n", "references:\n- id: nobody-cites-me\n"
                                             "  title: An unused source\n  publisher: Nobody\n  url: https://example.org/unused\n"
                                             "  supports: [unused_fact]\n  evidence: seen\n", 1))
    srv = Server(repo, "--no-search")
    try:
        status, _, body = srv.request("/_edit/dashboard")
        page = body.decode()
    finally:
        srv.stop()
    assert status == 200, page
    assert 'id="errors"' not in page, page

    def section(key: str) -> str:
        return page.split(f'<section id="{key}">', 1)[1].split("</section>", 1)[0]
    assert 'href="/toe-cramps/">Toe cramps: next review 2021-01-01' in section("overdue")
    assert f"next review {soon}" in section("due_soon") and 'href="/calf-cramps/"' in section("due_soon")
    uncited = section("uncited")
    assert "statement without a citation" in uncited and "content/toe-cramps.md:" in uncited
    unused = section("unused_refs")
    assert "reference &#x27;nobody-cites-me&#x27; is not cited anywhere" in unused
    assert 'href="/_edit/data/references.yaml#record-nobody-cites-me"' in unused
    broken = section("broken_links")
    assert "/no-such-page/" in broken and "content/toe-cramps.md" in broken, page[page.find("<h1>"):][:3000]
    assert re.search(r'href="/calf-cramps/">Calf cramps[^<]*: grade \d+\.\d', section("grades"))


def test_article_front_matter_and_text_in_the_editor(server: Server, repo: Path) -> None:
    """An article: its front matter's form (from frontmatter.schema.json) and its Markdown text;
    a save changes only the edited lines, and an invalid one writes nothing."""
    text = server.request("/_edit/")[2].decode()
    assert '<a href="/_edit/content/calf-cramps.md">content/calf-cramps.md</a>' in text
    page = server.request("/_edit/content/calf-cramps.md")[2].decode()
    assert 'name="title"' in page and 'id="body"' in page and 'href="/calf-cramps/"' in page
    assert server.request("/_edit/content/../data/site.yaml")[0] == 404
    assert server.request("/_edit/content/missing.md")[0] == 404
    article = repo / "content" / "calf-cramps.md"
    source = article.read_text()
    from engine.serve import articles, yamledit
    from engine.serve.forms import plain
    front, body = articles.split(source)
    data = plain(yamledit.load(front))
    base = page.split('data-base="', 1)[1].split('"', 1)[0]
    host = f"127.0.0.1:{server.port}"
    headers = {"Content-Type": "application/json", "Origin": f"http://{host}", "Host": host}
    # an unknown template is an error of the check: nothing written
    status, answer = post(server, "/_edit/content/calf-cramps.md",
                          json.dumps({"base": base, "data": {**data, "template": "nope.html"}, "body": body}).encode(),
                          headers)
    assert status == 422 and any("unknown template 'nope.html'" in e["text"] for e in answer["errors"])
    assert article.read_text() == source
    new_body = body.replace("## Key points", "## The key points", 1)
    status, answer = post(server, "/_edit/content/calf-cramps.md",
                          json.dumps({"base": base, "data": {**data, "nav_order": 3}, "body": new_body}).encode(),
                          headers)
    assert status == 200, answer
    diff = git(repo, "diff", "-U0", "--", "content/calf-cramps.md")
    changed = sorted(l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---")))
    assert changed == ["+## The key points", f"+nav_order: 3", "-## Key points",
                       f"-nav_order: {data['nav_order']}"], diff
    # another origin: refused
    status, _ = post(server, "/_edit/content/calf-cramps.md", b"{}",
                     {**headers, "Origin": "http://evil.example"})
    assert status == 403


@browser
def test_article_text_saved_from_the_browser(server: Server, repo: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            edit = chromium.new_page()
            edit.goto(f"http://127.0.0.1:{server.port}/_edit/content/toe-cramps.md")
            body = edit.locator("#body")
            text = body.input_value()
            assert "## Key points" in text
            body.fill(text.replace("## Key points", "## Main points", 1))
            edit.get_by_role("button", name="Save").first.click()
            expect(edit.locator("#status")).to_contain_text("Saved content/toe-cramps.md (1 line changed)",
                                                            timeout=30000)
            diff = git(repo, "diff", "-U0", "--", "content/toe-cramps.md")
            changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
            assert changed == ["-## Key points", "+## Main points"], diff
        finally:
            chromium.close()


@browser
def test_list_entries_added_removed_and_reordered_in_the_browser(server: Server, repo: Path) -> None:
    """The list controls of a generated form: move an entry up, remove one, add one; the saved file
    changes in exactly those lines, in the new order, and the published page follows."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect
    nutrients = repo / "data" / "nutrients.yaml"
    before = nutrients.read_text(encoding="utf-8")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context()
            live = context.new_page()
            live.goto(f"http://127.0.0.1:{server.port}/nutrients/magnesium/")
            edit = context.new_page()
            edit.goto(f"http://127.0.0.1:{server.port}/_edit/data/nutrients.yaml")
            items = edit.locator('ol[data-name="nutrients[magnesium].food_sources.items"]')
            values = items.locator(":scope > li input")
            expect(values).to_have_count(5)
            assert values.evaluate_all("els => els.map(e => e.value)") == [
                "beans and peas", "nuts", "seeds", "wholegrains", "green leafy vegetables"]
            entry = items.locator(":scope > li").nth(1)                       # "nuts"
            entry.get_by_role("button", name="move up in items").click()
            items.locator(":scope > li").nth(2).get_by_role("button", name="remove from items").click()  # "seeds"
            add = items.locator("xpath=following-sibling::button[1]")
            expect(add).to_have_text("Add to items")
            add.click()
            expect(values).to_have_count(5)
            new = values.nth(4)
            expect(new).to_be_focused()                                      # typing can start at once
            new.fill("dark chocolate")
            assert values.evaluate_all("els => els.map(e => e.value)") == [
                "nuts", "beans and peas", "wholegrains", "green leafy vegetables", "dark chocolate"]
            edit.get_by_role("button", name="Save").first.click()
            expect(edit.locator("#status")).to_contain_text("Saved data/nutrients.yaml", timeout=30000)
            after = nutrients.read_text(encoding="utf-8")
            lines = after.splitlines()
            start = lines.index("    food_sources:", next(i for i, l in enumerate(lines) if l == "  - id: magnesium"))
            assert lines[start + 1:start + 7] == ["      items:", '        - "nuts"', '        - "beans and peas"',
                                                  '        - "wholegrains"', '        - "green leafy vegetables"',
                                                  '        - "dark chocolate"'], lines[start:start + 8]
            diff = git(repo, "diff", "--numstat", "--", "data/nutrients.yaml").split()
            assert diff[:2] == ["2", "2"], diff      # +nuts -nuts (moved), -seeds, +dark chocolate: nothing else
            assert after.split("\n", 2)[:2] == before.split("\n", 2)[:2]   # the comments above stay
            expect(live.locator("main")).to_contain_text("dark chocolate", timeout=15000)
            expect(live.locator("main")).not_to_contain_text("seeds")
        finally:
            chromium.close()
