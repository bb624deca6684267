// The Zalo message's copy button: shown only where the clipboard can be written.
// Without JavaScript the text stays selectable in its read-only box.
(function () {
  var button = document.querySelector("[data-copy]");
  if (!button || !navigator.clipboard) return;
  var box = document.getElementById(button.getAttribute("data-copy"));
  var done = document.querySelector("[data-copied]");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(box.value).then(function () {
      if (done) done.hidden = false;
    }, function () {
      box.select();
    });
  });
})();
