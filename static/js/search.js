// Site search with Pagefind's JavaScript API (index built into output/pagefind/ by every build).
// Works offline and under a sub-path: every URL comes from data attributes the template fills in.
// Each result links to the section that matches best (Pagefind's sub-results: headings with an id),
// lists up to two more matching sections, and a page whose best-matching passage repeats an earlier
// result's (the same warning shown on several pages) is folded into that result as "also on".
const form = document.getElementById("search-form");
const input = document.getElementById("search-input");
const statusEl = document.getElementById("search-status");
const list = document.getElementById("search-results");
let pagefind = null;

async function engine() {
  if (!pagefind) {
    pagefind = await import(form.dataset.pagefind);
    await pagefind.options({ baseUrl: form.dataset.base });
    await pagefind.init();
  }
  return pagefind;
}

// Citation marks ("[reference 1, reference 2]") are read out for screen readers; in an excerpt
// they are noise.
function clean(excerpt) {
  return excerpt.replace(/\s*\[\s*(?:<\/?mark>)?reference(?:<\/?mark>)?\s+\d+(?:\s*,\s*(?:<\/?mark>)?reference(?:<\/?mark>)?\s+\d+)*\s*\]/g, "");
}

function plain(html) {
  return html.replace(/<[^>]+>/g, "").replace(/[^a-z0-9]+/gi, " ").trim().toLowerCase();
}

// How many different words of the query a passage matches (Pagefind marks each match).
function terms(excerpt) {
  return new Set((excerpt.match(/<mark>[^<]*<\/mark>/g) || []).map((m) => plain(m))).size;
}

// Sections that match, best first (most different query words, then most matches); a page's own
// top (no #anchor) only when no section matches.
function sections(data) {
  const subs = (data.sub_results || []).filter((s) => s.url.includes("#"));
  const score = (s) => [terms(s.excerpt || ""), (s.locations || []).length];
  return subs.slice().sort((a, b) => {
    const [ta, la] = score(a);
    const [tb, lb] = score(b);
    return tb - ta || lb - la;
  });
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function item(data) {
  const li = document.createElement("li");
  const found = sections(data);
  const best = found[0];
  const title = (data.meta && data.meta.title) || data.url;
  const heading = document.createElement("h2");
  heading.className = "search-result-title";
  heading.appendChild(link(best ? best.url : data.url, best ? `${title}: ${best.title}` : title));
  const excerpt = document.createElement("p");
  // Pagefind's excerpt is text from our own pages with <mark> around the matches.
  excerpt.innerHTML = clean(best ? best.excerpt : data.excerpt);
  li.append(heading, excerpt);
  const more = found.slice(1, 3);
  if (more.length) {
    const p = document.createElement("p");
    p.className = "search-more";
    p.append("Also in: ");
    more.forEach((s, i) => {
      if (i) p.append(", ");
      p.appendChild(link(s.url, s.title));
    });
    li.appendChild(p);
  }
  return li;
}

async function run(query) {
  list.replaceChildren();
  query = query.trim();
  if (!query) {
    statusEl.textContent = "";
    return;
  }
  statusEl.textContent = "Searching…";
  try {
    const pf = await engine();
    const search = await pf.search(query);
    const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    const seen = new Map();   // excerpt text -> the list item that shows it first
    let shown = 0;
    results.forEach((data) => {
      const best = sections(data)[0];
      const key = plain(clean(data.excerpt));   // the page's best-matching passage
      const first = seen.get(key);
      if (first) {
        let also = first.querySelector(".search-also");
        if (!also) {
          also = document.createElement("p");
          also.className = "search-also";
          also.append("The same text is also on: ");
          first.appendChild(also);
        } else {
          also.append(", ");
        }
        also.appendChild(link(best ? best.url : data.url, (data.meta && data.meta.title) || data.url));
        return;
      }
      const li = item(data);
      seen.set(key, li);
      list.appendChild(li);
      shown += 1;
    });
    statusEl.textContent = shown === 0 ? `No pages found for “${query}”.`
      : `${shown} result${shown === 1 ? "" : "s"} found for “${query}”.`;
  } catch (err) {
    statusEl.textContent = "Search is not available right now.";
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(window.location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

const initial = new URLSearchParams(window.location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
