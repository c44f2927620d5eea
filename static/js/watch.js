// The researcher's live view: appends messages, shows the agent's reply as it streams and
// the identity as it changes. Read-only; reloading the page shows everything from the DB.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) return;
  const transcript = document.getElementById("transcript");
  const status = document.getElementById("agent-status");
  const connection = document.getElementById("connection");

  function item(sender, text, turn) {
    const li = document.createElement("li");
    li.className = "msg msg-" + sender;
    if (turn) li.dataset.turn = String(turn);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = sender + ":";
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.append(who, " ", body);
    return li;
  }

  function onFrame(frame) {
    if (frame.type === "message") {
      const m = frame.message;
      if (transcript.querySelector('[data-turn="' + m.turn + '"]')) return;
      const draft = transcript.querySelector(".draft");
      if (draft && m.sender === "agent") draft.remove();
      transcript.appendChild(item(m.sender, m.text, m.turn));
      status.textContent = "";
    } else if (frame.type === "delta") {
      let draft = transcript.querySelector(".draft");
      if (!draft) { draft = item("agent", "", null); draft.classList.add("draft"); draft.setAttribute("aria-hidden", "true"); transcript.appendChild(draft); }
      const text = draft.querySelector(".text");
      text.textContent = text.textContent.slice(0, frame.offset) + frame.text;
    } else if (frame.type === "agent") {
      const a = frame.agent;
      status.textContent = a.state === "thinking" ? "Agent is replying…" : a.state === "failed" ? "Agent turn failed (see admin: agent turns)." : "";
    } else if (frame.type === "identity") {
      refreshIdentity(frame.revision);
    } else if (frame.type === "closed") {
      status.textContent = "The participant withdrew: this session is closed.";
    }
  }

  // A notice carries only the newest ledger row; the identity itself is fetched over HTTP,
  // so no frame grows with what the identity holds.
  let wanted = 0;
  let fetching = false;
  function refreshIdentity(revision) {
    wanted = Math.max(wanted, revision);
    const shown = document.getElementById("identity-section");
    if (fetching || !shown || Number(shown.dataset.revision) >= wanted) return;
    fetching = true;
    const asked = wanted;
    fetch(live.dataset.identityUrl, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok || response.redirected) throw new Error(); return response.text(); })
      .then(function (html) {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.querySelector("#identity-section");
        if (fresh) document.getElementById("identity-section").replaceWith(fresh);
      })
      .catch(function () { /* the next notice, or a reload, brings it */ })
      .finally(function () { fetching = false; if (wanted > asked) refreshIdentity(wanted); });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + live.dataset.wsPath);
    socket.addEventListener("open", function () { connection.textContent = "Live."; });
    socket.addEventListener("message", function (e) { onFrame(JSON.parse(e.data)); });
    socket.addEventListener("close", function (e) {
      if (e.code === 4403) { connection.textContent = "You may not watch this session."; return; }
      if (e.code === 4410) { connection.textContent = "Closed: the participant withdrew."; return; }
      connection.textContent = "Connection lost; reconnecting… (reload to see anything missed)";
      setTimeout(connect, 2000);
    });
  }
  connect();
})();
