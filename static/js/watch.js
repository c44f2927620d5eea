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
  };

  const codes = config.closeCodes;
  const socket = new Dyad.Socket(live.dataset.wsPath, handlers, {
    finalCodes: [codes.refused, codes.closed],
    onOpen: function () {
      connection.textContent = "Live.";
      socket.send({ type: "sync", after: transcript.lastTurn() });
    },
    onLost: function () { connection.textContent = "Connection lost; reconnecting…"; },
    onFinal: function (code) {
      connection.textContent = code === codes.closed ? "Closed: the participant withdrew." : "You may not watch this session.";
    },
  });
})();
