// Lighthouse (pinned in package.json) over a few pages of a served build, in Debian's chromium.
// usage: node tools/lighthouse.mjs BASE_URL PATH... ; prints one JSON object:
//   {"<path>": {"scores": {"performance": 1, ...}, "failing": [[category, audit id, score, title], ...]}}
// Chrome comes from CHROME_PATH (default /usr/bin/chromium); one browser serves every page, run one
// after another so that no audit slows another's timings. Nothing leaves this machine: the pages are
// on 127.0.0.1 and the browser is started with background networking off.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const [base, ...paths] = process.argv.slice(2);
if (!base || paths.length === 0) {
  console.error("usage: node tools/lighthouse.mjs BASE_URL PATH...");
  process.exit(2);
}
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions"],
});
const report = {};
try {
  for (const path of paths) {
    const result = await lighthouse(new URL(path, base).href,
      { port: chrome.port, output: "json", logLevel: "error",
        onlyCategories: ["performance", "accessibility", "best-practices", "seo"] });
    const lhr = result.lhr;
    const scores = {};
    const failing = [];
    for (const [id, cat] of Object.entries(lhr.categories)) {
      scores[id] = cat.score;
      for (const ref of cat.auditRefs) {
        const audit = lhr.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
          failing.push([id, ref.id, audit.score, audit.title]);
        }
      }
    }
    report[path] = { scores, failing, runtimeError: lhr.runtimeError ? lhr.runtimeError.message : null };
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(report));
