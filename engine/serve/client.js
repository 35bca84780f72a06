/* Live-preview client, injected by `build.py serve` only (never written to output/).
 * Speaks livereload's protocol (official-7: hello / info / reload) on /livereload,
 * plus a "status" message that shows or hides the build-error overlay. */
(function () {
  "use strict";
  if (window.__livePreview) { return; }
  window.__livePreview = true;
  var script = document.currentScript;
  var version = (script && script.getAttribute("data-version")) || "";
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/livereload";
  var overlay = null;
  var showingError = false;
  var retry = 100;

  function el(tag, css, text) {
    var node = document.createElement(tag);
    if (css) { node.setAttribute("style", css); }
    if (text) { node.textContent = text; }
    return node;
  }

  function showErrors(errors) {
    var text = (errors || []).join("\n");
    if (overlay && overlay.getAttribute("data-errors") === text) { return; }
    hideErrors();
    var previous = document.activeElement;
    overlay = el("div", "position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:70vh;overflow:auto;" +
      "background:#fff5f5;color:#1a1a1a;border-bottom:4px solid #b00020;padding:1rem 1.25rem;" +
      "box-shadow:0 4px 16px rgba(0,0,0,.3);font:16px/1.5 system-ui,sans-serif;text-align:left");
    overlay.id = "live-preview-error";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-modal", "false");
    overlay.setAttribute("aria-labelledby", "live-preview-error-title");
    overlay.setAttribute("aria-describedby", "live-preview-error-text");
    overlay.setAttribute("data-errors", text);
    var title = el("h2", "margin:0 0 .5rem;font-size:1.15rem;color:#b00020", "The site could not be rebuilt");
    title.id = "live-preview-error-title";
    var pre = el("pre", "margin:0 0 .75rem;white-space:pre-wrap;font:14px/1.45 ui-monospace,monospace", text);
    pre.id = "live-preview-error-text";
    var note = el("p", "margin:0 0 .75rem", "You are looking at the last version that built. " +
      "Fix the file and save it: this page reloads by itself.");
    var close = el("button", "font:inherit;padding:.25rem .75rem;cursor:pointer", "Hide this message");
    close.type = "button";
    close.addEventListener("click", function () {
      if (overlay) { overlay.style.display = "none"; }
      if (previous && previous.focus) { previous.focus(); }
    });
    overlay.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close.click(); }
    });
    overlay.appendChild(title);
    overlay.appendChild(pre);
    overlay.appendChild(note);
    overlay.appendChild(close);
    (document.body || document.documentElement).appendChild(overlay);
    showingError = true;
    close.focus({preventScroll: true});
  }

  function hideErrors() {
    if (overlay && overlay.parentNode) { overlay.parentNode.removeChild(overlay); }
    overlay = null;
  }

  function swapStylesheet(path, original) {
    var found = false;
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin || (url.pathname !== path && url.pathname !== original)) { return; }
      found = true;
      url.pathname = path;
      url.searchParams.set("livereload", String(Date.now()));
      var clone = link.cloneNode(false);
      clone.href = url.href;
      var done = function () { if (link.parentNode) { link.parentNode.removeChild(link); } };
      clone.addEventListener("load", done);
      clone.addEventListener("error", done);
      link.parentNode.insertBefore(clone, link.nextSibling);
    });
    return found;
  }

  /* The page's own file changed: fetch it and swap the new body and head details into
   * the open document.  Far quicker than a reload: no navigation, no script reloads,
   * no new websocket, scroll position kept.  New stylesheets (a CSS edit renames the
   * content-hashed file) are linked in and the old ones dropped once the new have
   * loaded, so the page is never unstyled.  Pages with scripts get a full reload:
   * a swapped body would not run them again; except scripts in the head marked
   * data-live-preview="rerun", which stay loaded and redo their work on the
   * "live-preview:updated" event (the same script must be in both versions). */
  var STYLES = 'link[rel~="stylesheet"]';
  var SCRIPTS = 'script:not([type]), script[type="module"], script[type="text/javascript"], ' +
    'script[type="application/javascript"]';
  var KEEP = STYLES + ", " + SCRIPTS;

  function listOf(doc, selector) {
    var items = [];
    Array.prototype.forEach.call(doc.querySelectorAll(selector), function (node) {
      if (node.tagName === "SCRIPT" && /__serve__\/client\.js/.test(node.getAttribute("src") || "")) { return; }
      if (node.tagName === "SCRIPT" && node.getAttribute("data-live-preview") === "rerun" &&
          node.parentNode === doc.head) { return; }
      items.push(node.tagName + " " + (node.getAttribute("href") || node.getAttribute("src") || node.textContent));
    });
    return items.join("\n");
  }

  function rerunScripts(doc) {
    return Array.prototype.map.call(doc.querySelectorAll('head > script[data-live-preview="rerun"]'),
      function (node) { return node.getAttribute("src") || node.textContent; }).join("\n");
  }

  function headDetails(doc) {   // title, meta, JSON-LD ...: everything but stylesheets and scripts
    return Array.prototype.filter.call(doc.head.children, function (node) { return !node.matches(KEEP); });
  }

  function swapStylesheets(doc) {
    var old = Array.prototype.slice.call(document.querySelectorAll(STYLES));
    var fresh = Array.prototype.map.call(doc.querySelectorAll(STYLES), function (node) {
      return document.importNode(node, true);
    });
    var waiting = fresh.length;
    var dropOld = function () {
      waiting -= 1;
      if (waiting <= 0) { old.forEach(function (link) { if (link.parentNode) { link.parentNode.removeChild(link); } }); }
    };
    var anchor = old.length ? old[old.length - 1].nextSibling : null;
    fresh.forEach(function (link) {
      link.addEventListener("load", dropOld);
      link.addEventListener("error", dropOld);
      document.head.insertBefore(link, anchor);
    });
    if (!fresh.length) { waiting = 1; dropOld(); }
  }

  function refreshInPlace() {
    var url = location.href.split("#")[0];
    fetch(url, {cache: "no-store"}).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var scripts = listOf(doc, SCRIPTS);
      if (!doc.body || scripts || listOf(document, SCRIPTS) || rerunScripts(doc) !== rerunScripts(document)) {
        location.reload();
        return;
      }
      var client = doc.querySelector('script[src*="__serve__/client.js"]');
      if (client && client.getAttribute("data-version")) { version = client.getAttribute("data-version"); }
      if (listOf(doc, STYLES) !== listOf(document, STYLES)) { swapStylesheets(doc); }
      headDetails(document).forEach(function (node) { node.parentNode.removeChild(node); });
      var anchor = document.head.firstChild;
      headDetails(doc).forEach(function (node) { document.head.insertBefore(document.importNode(node, true), anchor); });
      var x = window.scrollX, y = window.scrollY;
      document.body.replaceWith(document.importNode(doc.body, true));
      window.scrollTo(x, y);
      document.dispatchEvent(new CustomEvent("live-preview:updated"));
    }).catch(function () { location.reload(); });
  }

  function onMessage(ws, msg) {
    if (msg.command === "hello") {
      ws.send(JSON.stringify({command: "info", url: location.href, version: version, plugins: {}}));
    } else if (msg.command === "reload") {
      if (/\.css$/i.test(msg.path || "")) {
        if (msg.liveCSS !== false) {
          swapStylesheet(msg.path, msg.originalPath || msg.path);
          if (msg.version) { version = msg.version; }
          return;
        }
      }
      if (msg.path && new URL(msg.path, location.href).pathname === location.pathname && !showingError) {
        refreshInPlace();
      } else {
        location.reload();
      }
    } else if (msg.command === "status") {
      if (msg.ok) {
        if (showingError) { hideErrors(); showingError = false; location.reload(); }
      } else {
        showErrors(msg.errors);
      }
    }
  }

  function connect() {
    var ws;
    try { ws = new WebSocket(wsUrl); } catch (e) { setTimeout(connect, retry); return; }
    ws.onopen = function () {
      retry = 100;
      ws.send(JSON.stringify({command: "hello", protocols: ["http://livereload.com/protocols/official-7"]}));
    };
    ws.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      onMessage(ws, msg);
    };
    ws.onclose = function () {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 2000);
    };
  }
  connect();
})();
