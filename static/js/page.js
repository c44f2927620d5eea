// Small behaviour every page shares, kept out of the markup: the Content Security Policy
// allows scripts from this server's files only, never inline ones.
(function () {
  "use strict";
  // An error summary takes the focus, so keyboard and screen reader users start there.
  const first = document.querySelector("[data-focus-on-load]");
  if (first) first.focus();
})();
