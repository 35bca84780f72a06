// Site search with Pagefind's JavaScript API (index built into output/pagefind/ by every build).
// Works offline and under a sub-path: every URL comes from data attributes the template fills in.
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

function item(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  const heading = document.createElement("h2");
  heading.className = "search-result-title";
  heading.appendChild(link);
  const excerpt = document.createElement("p");
  // Pagefind's excerpt is text from our own pages with <mark> around the matches.
  excerpt.innerHTML = data.excerpt;
  li.append(heading, excerpt);
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
    results.forEach((data) => list.appendChild(item(data)));
    const n = search.results.length;
    statusEl.textContent = n === 0 ? `No pages found for “${query}”.`
      : `${n} page${n === 1 ? "" : "s"} found for “${query}”.`;
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
