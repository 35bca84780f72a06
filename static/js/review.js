// Shows the "overdue for review" notice once a page's review date has passed.
// A static page is read long after it is built, so the reader's own date decides.
(function () {
  var today = new Date().toISOString().slice(0, 10);
  var notes = document.querySelectorAll(".review-overdue[data-due]");
  for (var i = 0; i < notes.length; i++) {
    if (notes[i].getAttribute("data-due") < today) notes[i].hidden = false;
  }
})();
