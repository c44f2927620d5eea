// The chat page on a phone. The on-screen keyboard never hides the message box: when it
// opens, or new messages push the box down, it is scrolled back into view. The chat comes
// first, and the identity panel opens over it as a drawer, from a button that shows how many
// of the agent's suggestions are waiting; on a wide screen (or without this script) the panel
// stays beside or below the chat.
(function () {
  "use strict";
  const input = document.getElementById("message-input");
  if (input) {
    const keepInView = function () {
      if (document.activeElement === input) input.scrollIntoView({ block: "nearest" });
    };
    if (window.visualViewport) window.visualViewport.addEventListener("resize", keepInView);
    input.addEventListener("focus", function () { setTimeout(keepInView, 300); });
    // New messages push the box down: bring it back while the participant is writing.
    const transcript = document.getElementById("transcript");
    if (transcript) new MutationObserver(keepInView).observe(transcript, { childList: true });
  }

  const layout = document.querySelector(".chat-layout");
  const toggle = document.getElementById("panel-toggle");
  if (!layout || !toggle) return; // no panel in this condition
  const chat = layout.querySelector(".chat");
  const badge = document.getElementById("proposal-badge");
  const narrow = window.matchMedia("(max-width: 48rem)");

  function panel() { return document.getElementById("identity-panel"); }
  function isOpen() { return layout.classList.contains("drawer-open"); }

  // The panel is replaced whenever it changes (htmx, or a notice from the socket): count again.
  function showBadge() {
    const current = panel();
    const waiting = current ? Number(current.dataset.proposals || 0) : 0;
    badge.hidden = waiting === 0;
    badge.querySelector(".count").textContent = String(waiting);
    badge.querySelector(".visually-hidden").textContent =
      waiting === 1 ? badge.dataset.one : badge.dataset.many; // in the study's language
  }

  function setOpen(open, moveFocus) {
    layout.classList.toggle("drawer-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    chat.inert = open; // the chat behind the drawer is out of reach until it closes
    if (!moveFocus) return;
    if (open) panel().querySelector("h2").focus();
    else toggle.focus();
  }

  function fit() {
    layout.classList.toggle("drawer", narrow.matches);
    toggle.hidden = !narrow.matches;
    if (!narrow.matches && isOpen()) setOpen(false, false);
  }

  toggle.addEventListener("click", function () { setOpen(!isOpen(), true); });
  layout.addEventListener("click", function (event) {
    if (event.target.closest("[data-panel-close]")) setOpen(false, true);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) setOpen(false, true);
  });
  new MutationObserver(showBadge).observe(layout, { childList: true });
  narrow.addEventListener("change", fit);
  fit();
  showBadge();
})();
