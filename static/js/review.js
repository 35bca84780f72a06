// Shows the "overdue for review" notice once a page's review date has passed.
// A static page is read long after it is built, so the reader's own date decides.
// Runs again after the live preview swaps in a new version of the page.
(function () {
  function show() {
    var today = new Date().toISOString().slice(0, 10);
    var notes = document.querySelectorAll(".review-overdue[data-due]");
    for (var i = 0; i < notes.length; i++) {
      notes[i].hidden = !(notes[i].getAttribute("data-due") < today);
    }
  }
  show();
  document.addEventListener("live-preview:updated", show);
})();
