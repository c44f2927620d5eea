// The rating page's single-key shortcuts: y, n and c answer (as the buttons do), the left
// and right arrows go to the previous and next reply. They can be turned off (WCAG 2.1.4),
// and stay off on this browser; keys typed into a field, or with a modifier, are left alone.
(function () {
  "use strict";
  const form = document.getElementById("rate-form");
  const toggle = document.getElementById("shortcuts");
  if (!form || !toggle) return;
  const STORE = "dyad.ratingShortcuts";
  const ANSWERS = { y: "yes", n: "no", c: "cant_tell" };
  const LINKS = { ArrowLeft: 'a[rel="prev"]', ArrowRight: 'a[rel="next"]' };
  let on = localStorage.getItem(STORE) !== "off";
  let sent = false;

  function show() {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    document.getElementById("shortcuts-hint").hidden = false;
  }

  toggle.addEventListener("click", function () {
    on = !on;
    localStorage.setItem(STORE, on ? "on" : "off");
    show();
  });

  document.addEventListener("keydown", function (event) {
    if (!on || sent || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest("input, textarea, select, pre, [contenteditable]")) return;
    const answer = ANSWERS[event.key.toLowerCase()];
    const link = LINKS[event.key] && document.querySelector(LINKS[event.key]);
    if (answer) {
      event.preventDefault();
      sent = true;  // one answer per page: a held key must not post twice
      form.requestSubmit(form.querySelector('button[value="' + answer + '"]'));
    } else if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
  show();
})();
