// The preview's editor (engine/serve/editor.py): reads the form generated from the schema
// (engine/serve/forms.py) back into a document, saves it as JSON, shows the messages of the
// checks next to the fields they name (faqs[opening-hours].answer), and handles list entries.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  var status = document.getElementById("status");
  var bodyField = document.getElementById("body");   // an article's Markdown text
  var uid = 0;

  function isEmpty(v) {
    return v === undefined || v === "" || (Array.isArray(v) && v.length === 0) ||
      (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
  }

  function readValue(el) {
    var kind = el.dataset.kind, text = el.value;
    if (kind === "boolean") return text === "" ? undefined : text === "true";
    if (kind === "integer" || kind === "number") {
      if (text.trim() === "") return undefined;
      var n = Number(text);
      return isNaN(n) ? text : n;
    }
    if (kind === "json") {
      if (text.trim() === "") return undefined;
      try { return JSON.parse(text); } catch (e) { throw { element: el, message: "not valid JSON: " + e.message }; }
    }
    if (kind === "enum" && text === "") return undefined;
    return text;
  }

  // the document, and [element, path] of every field and entry (for the messages)
  function collect(node, path, places) {
    var type = node.dataset.node;
    if (type === "object") {
      var obj = {};
      node.querySelectorAll(":scope > [data-key]").forEach(function (field) {
        var key = field.dataset.key, child = field.querySelector(":scope > [data-node]");
        if (!child) return;
        places.push([field, path.concat([key])]);
        var v = collect(child, path.concat([key]), places);
        if (v === undefined || (field.dataset.absent && isEmpty(v))) return;
        obj[key] = v;
      });
      return obj;
    }
    if (type === "array") {
      var out = [];
      node.querySelectorAll(":scope > li").forEach(function (li) {
        var child = li.querySelector(":scope > [data-node]"), i = out.length;
        places.push([li, path.concat([i])]);
        var v = collect(child, path.concat([i]), places);
        out.push(v === undefined ? null : v);
      });
      return out;
    }
    return readValue(node);
  }

  // yamlsource.dotted: list entries that are records are named by their id
  function labelOf(path, data) {
    var out = "", node = data;
    path.forEach(function (part) {
      if (typeof part === "number") {
        var entry = Array.isArray(node) ? node[part] : undefined;
        var rid = entry && typeof entry === "object" ? entry.id : undefined;
        out += "[" + (typeof rid === "string" && /^[a-z0-9][a-z0-9_-]*$/.test(rid) ? rid : part) + "]";
        node = entry;
      } else {
        out += (out ? "." : "") + part;
        node = node && typeof node === "object" ? node[part] : undefined;
      }
    });
    return out;
  }

  function clearMessages() {
    form.querySelectorAll(".msgs").forEach(function (m) { m.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    status.querySelector(".summary").textContent = "";
  }

  function say(text, cls, reload) {
    var span = status.querySelector(".text");
    span.textContent = text;
    span.className = "text " + (cls || "");
    if (reload) {
      var a = document.createElement("a");
      a.href = location.pathname;
      a.textContent = " Reload";
      a.id = "reload";
      span.appendChild(a);
    }
  }

  function place(element, message) {
    var box = element.querySelector(":scope > .msgs");
    if (!box) return false;
    var p = document.createElement("p");
    p.className = "msg";
    p.textContent = message;
    box.appendChild(p);
    var input = element.querySelector(":scope > [data-node='value']");
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  function showErrors(errors, data, places) {
    var labels = places.map(function (p) { return [p[0], labelOf(p[1], data)]; });
    var summary = status.querySelector(".summary");
    errors.forEach(function (d) {
      var li = document.createElement("li");
      li.className = "error";
      li.textContent = d.text;
      summary.appendChild(li);
      if (d.rel !== form.dataset.file || !d.field) return;
      var best = null;
      labels.forEach(function (l) {
        var lab = l[1];
        if (lab === d.field || (d.field.indexOf(lab) === 0 && (d.field[lab.length] === "." || d.field[lab.length] === "["))) {
          if (!best || lab.length > best[1].length) best = l;
        }
      });
      if (best) place(best[0], d.message + (d.hint ? " (" + d.hint + ")" : ""));
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || button.type === "submit") return;
    var li = button.closest("li");
    if (button.hasAttribute("data-add")) {
      var list = button.previousElementSibling, template = button.nextElementSibling;
      var entry = template.content.firstElementChild.cloneNode(true);
      var renamed = {};
      entry.querySelectorAll("[id]").forEach(function (el) {
        var fresh = "new" + (++uid);
        renamed[el.id] = fresh;
        el.id = fresh;
      });
      entry.querySelectorAll("label[for]").forEach(function (l) {
        if (renamed[l.htmlFor]) l.htmlFor = renamed[l.htmlFor];
      });
      list.appendChild(entry);
      var first = entry.querySelector("input, select, textarea");
      if (first) first.focus();
    } else if (button.hasAttribute("data-remove") && li) {
      li.remove();
    } else if (button.hasAttribute("data-up") && li && li.previousElementSibling) {
      li.parentNode.insertBefore(li, li.previousElementSibling);
    } else if (button.hasAttribute("data-down") && li && li.nextElementSibling) {
      li.parentNode.insertBefore(li.nextElementSibling, li);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearMessages();
    var places = [], data;
    try {
      data = collect(form.querySelector(":scope > [data-node]"), [], places);
    } catch (e) {
      if (e && e.element) {
        e.element.setAttribute("aria-invalid", "true");
        say("Not saved: " + e.message, "error");
        return;
      }
      throw e;
    }
    say("Checking…", "");
    fetch(location.pathname, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(bodyField ? { base: form.dataset.base, data: data, body: bodyField.value }
                                      : { base: form.dataset.base, data: data })
    }).then(function (response) {
      return response.json().then(function (answer) { return [response.status, answer]; });
    }).then(function (pair) {
      var code = pair[0], answer = pair[1];
      if (code === 200) {
        form.dataset.base = answer.base;
        say(answer.message.charAt(0).toUpperCase() + answer.message.slice(1), "ok");
        if (answer.warnings && answer.warnings.length) showErrors(answer.warnings, data, places);
      } else if (code === 409) {
        say(answer.message, "error", true);
      } else {
        say(answer.message || ("Not saved (" + code + ")"), "error");
        if (answer.errors) showErrors(answer.errors, data, places);
      }
    }).catch(function (e) { say("Not saved: the preview server did not answer (" + e + ")", "error"); });
  });
})();
