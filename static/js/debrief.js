// Return to Prolific automatically after a short, visible countdown the participant can stop
// (WCAG 2.2.1). The page is only shown once every answer has been saved.
(function () {
  "use strict";
  const box = document.getElementById("auto-return");
  if (!box) return;
  let left = Number(box.dataset.seconds);
  const counter = box.querySelector(".countdown");
  box.hidden = false;
  const timer = setInterval(function () {
    left -= 1;
    counter.textContent = String(left);
    if (left <= 0) { clearInterval(timer); window.location.assign(box.dataset.href); }
  }, 1000);
  box.querySelector(".stay").addEventListener("click", function () {
    clearInterval(timer);
    box.querySelector("p").textContent = box.dataset.staying;
    this.remove();
  });
})();
