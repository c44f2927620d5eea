// The researcher's live view (needs live.js): the transcript as it grows, the agent's reply
// as it streams, the identity as it changes. Read-only; after a reconnect it asks for what
// it missed, like the participant's page.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) return;
  const config = JSON.parse(document.getElementById("live-config").textContent);
  const status = document.getElementById("agent-status");
  const connection = document.getElementById("connection");
  const transcript = new Dyad.Transcript(document.getElementById("transcript"), function (sender) {
    return sender;
  });

  const identity = new Dyad.Refresher(live.dataset.identityUrl, function () {
    return Number(document.getElementById("identity-section").dataset.revision);
  }, function (html) {
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.querySelector("#identity-section");
    if (fresh) document.getElementById("identity-section").replaceWith(fresh);
  });

  const AGENT = {
    thinking: "Agent is replying…",
    held: "A paced reply is on its way; the participant sees nothing yet.",
    stalled: "The agent's reply has stalled.",
    failed: "Agent turn failed (see the session review).",
  };

  const handlers = {
    history: function (frame) {
      frame.messages.forEach(function (m) { transcript.show(m); });
      if (frame.more) socket.send({ type: "sync", after: transcript.lastTurn() });
      else identity.notice(frame.identity_revision);
    },
    message: function (frame) {
      transcript.show(frame.message);
      if (frame.message.sender === "agent") status.textContent = "";
    },
    delta: function (frame) { transcript.delta(frame); },
    agent: function (frame) { status.textContent = AGENT[frame.agent.state] || ""; },
    identity: function (frame) { identity.notice(frame.revision); },
    closed: function () { status.textContent = "The participant withdrew: this session is closed."; },
    wizard: function () { refreshWizard(); },
    error: function (frame) { // a sync refused for going too fast: ask again when told
      if (frame.code === "slow_down") {
        setTimeout(function () { socket.send({ type: "sync", after: transcript.lastTurn() }); }, frame.retry_after * 1000);
      }
    },
  };

  // Wizard of Oz: fetch the wizard's panel again when a request opens or is settled (never
  // while the wizard is typing into the same request's reply).
  function refreshWizard() {
    const section = document.getElementById("wizard-section");
    if (!section) return;
    fetch(section.dataset.panelUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.querySelector("#wizard-section");
        const current = document.getElementById("wizard-section");
        if (!fresh || !current) return;
        if (fresh.dataset.request === current.dataset.request && current.dataset.request) return;
        current.replaceWith(fresh);
        const text = document.getElementById("wizard-text");
        if (text) text.focus();
      })
      .catch(function () {});
  }
  function tickWizard() {
    const timer = document.getElementById("wizard-time");
    if (!timer) return;
    const left = Math.max(0, Math.round((Date.parse(timer.dataset.deadline) - Date.now()) / 1000));
    timer.textContent = "Time left before the agent answers instead: " + left + " s";
    if (left === 0) refreshWizard();
  }
  setInterval(tickWizard, 1000);

  const codes = config.closeCodes;
  const socket = new Dyad.Socket(live.dataset.wsPath, handlers, {
    finalCodes: [codes.refused, codes.closed],
    onOpen: function () {
      connection.textContent = "Live.";
      socket.send({ type: "sync", after: transcript.lastTurn() });
      refreshWizard();
    },
    onLost: function () { connection.textContent = "Connection lost; reconnecting…"; },
    onFinal: function (code) {
      connection.textContent = code === codes.closed ? "Closed: the participant withdrew." : "You may not watch this session.";
    },
  });
})();
