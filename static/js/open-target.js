// A link into a folded part of the page (#ref-3 in the reference list, #cause-dehydration in an
// article) opens the <details> that holds it, or that it is, and scrolls to it. Chromium opens a
// details around a link's target by itself; this covers the details itself and other browsers.
(function () {
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var opened = false;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
        opened = true;
      }
    }
    if (opened) target.scrollIntoView();
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
