// The participant's chat client. Protocol: docs/protocol.md.
//
// The server is the record. Every message gets a client id; until the server acknowledges it
// the message stays in localStorage and is resent after any reconnect or reload (the server
// stores each client id once). On every (re)connect the page asks for everything after the
// last turn it has, so nothing is lost and nothing is shown twice.
(function () {
  "use strict";
  const section = document.querySelector(".chat");
  if (!section) return;
  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const transcript = document.getElementById("transcript");
  const form = document.getElementById("composer");
  const input = document.getElementById("message-input");
  const sendButton = form.querySelector("button");
  const finish = document.getElementById("finish");
  const statusLine = document.getElementById("chat-status");
  const connection = document.getElementById("connection");
  const timer = document.getElementById("timer");
  const agentStatus = document.getElementById("agent-status");
  const storeKey = "dyad.pending." + section.dataset.session;
  let socket = null;
  let retryDelay = 500;
  let over = false;

  function lastTurn() {
    let last = 0;
    transcript.querySelectorAll("[data-turn]").forEach(function (li) {
      last = Math.max(last, Number(li.dataset.turn));
    });
    return last;
  }

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { return []; }
  }
  function savePending(list) {
    try { localStorage.setItem(storeKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }
  let pending = loadPending();

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function senderLabel(sender) {
    if (sender === "participant") return "You:";
    if (sender === "agent") return config.agentName + ":";
    return "Note:";
  }

  function bubble(sender, text) {
    const li = document.getElementById("message-template").content.firstElementChild.cloneNode(true);
    li.classList.add("msg-" + sender);
    li.querySelector(".who").textContent = senderLabel(sender);
    li.querySelector(".text").textContent = text;
    return li;
  }

  function placeByTurn(li, turn) {
    const following = nearBottom();
    li.dataset.turn = String(turn);
    li.classList.remove("pending");
    const later = Array.from(transcript.querySelectorAll("[data-turn]"))
      .find(function (other) { return Number(other.dataset.turn) > turn; });
    transcript.insertBefore(li, later || transcript.querySelector(".pending"));
    if (following) scrollToEnd();
  }

  // The newest message stays in view, unless the participant has scrolled up to read.
  function nearBottom() {
    return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  }
  function scrollToEnd() { transcript.scrollTop = transcript.scrollHeight; }

  function showMessage(m) {
    if (m.sender === "agent" && m.reply_to) { dropDraft(); showAgent({ state: "idle" }); }
    if (transcript.querySelector('[data-turn="' + m.turn + '"]')) return;
    let li = m.client_id ? transcript.querySelector('[data-client-id="' + m.client_id + '"]') : null;
    if (!li) li = bubble(m.sender, m.text);
    if (m.client_id) li.dataset.clientId = m.client_id;
    placeByTurn(li, m.turn);
  }

  function showPending(item) {
    if (transcript.querySelector('[data-client-id="' + item.client_id + '"]')) return;
    const li = bubble("participant", item.text);
    li.dataset.clientId = item.client_id;
    li.classList.add("pending");
    li.querySelector(".who").insertAdjacentHTML("afterend", '<span class="visually-hidden">(sending)</span>');
    transcript.appendChild(li);
    scrollToEnd();
  }

  // The reply as it streams in. Screen readers skip it (it changes many times a second) and
  // hear the finished message, which arrives as a new entry in the log.
  function draftBubble(replyTo) {
    let li = transcript.querySelector(".draft");
    if (li && li.dataset.replyTo !== String(replyTo)) { li.remove(); li = null; }
    if (!li) {
      li = bubble("agent", "");
      li.classList.add("draft");
      li.dataset.replyTo = String(replyTo);
      li.setAttribute("aria-hidden", "true");
      transcript.appendChild(li);
    }
    return li;
  }
  function dropDraft() { const li = transcript.querySelector(".draft"); if (li) li.remove(); }

  // A reply with no sign of life for a while may have lost its worker: ask the server, which
  // then reports it as stalled and the participant can try again.
  let agentThinkingSince = 0;
  setInterval(function () {
    if (agentThinkingSince && Date.now() - agentThinkingSince > config.staleSeconds * 1000) {
      agentThinkingSince = Date.now();
      send({ type: "sync", after: lastTurn() });
    }
  }, 5000);

  function showDelta(frame) {
    agentThinkingSince = Date.now();
    const following = nearBottom();
    const text = draftBubble(frame.reply_to).querySelector(".text");
    text.textContent = text.textContent.slice(0, frame.offset) + frame.text;
    if (following) scrollToEnd();
  }

  function showAgent(agent) {
    agentStatus.textContent = "";
    agentThinkingSince = agent.state === "thinking" ? Date.now() : 0;
    if (agent.state === "thinking") {
      agentStatus.textContent = config.agentName + " is typing…";
      if (agent.text) draftBubble(agent.reply_to).querySelector(".text").textContent = agent.text;
    } else if (agent.state === "failed" || agent.state === "stalled") {
      dropDraft();
      const note = document.createElement("span");
      note.textContent = agent.state === "failed" ? agent.message + " " : "This is taking longer than usual. ";
      const again = document.createElement("button");
      again.type = "button";
      again.className = "small retry";
      again.textContent = "Try again";
      again.addEventListener("click", function () { send({ type: "retry" }); agentStatus.textContent = config.agentName + " is typing…"; });
      agentStatus.append(note, again);
    }
  }

  function flushPending() {
    pending.forEach(function (p) { send({ type: "message", client_id: p.client_id, text: p.text }); });
  }

  function acknowledge(clientId) {
    pending = pending.filter(function (p) { return p.client_id !== clientId; });
    savePending(pending);
    const li = transcript.querySelector('[data-client-id="' + clientId + '"]');
    if (li) { li.classList.remove("pending"); const s = li.querySelector(".visually-hidden"); if (s) s.remove(); }
  }

  function showStatus(status) {
    if (!status) return;
    finish.disabled = !status.can_finish;
    if (status.over) endChat("The time for this chat is up. Please finish the chat to continue.");
    else if (status.can_finish) statusLine.textContent = "You can finish the chat whenever you are ready.";
    else statusLine.textContent = "Send " + status.min_turns + " messages before you can finish (" + status.participant_turns + " so far).";
  }

  // Closed for good (the participant withdrew): no reconnecting, nothing more to send.
  let closed = false;
  function closeChat(text) {
    closed = true;
    endChat(text);
    finish.disabled = true;
    connection.textContent = text;
    connection.classList.remove("offline");
    pending = [];
    savePending(pending);
  }

  function endChat(text) {
    if (over) return;
    over = true;
    input.disabled = true;
    sendButton.disabled = true;
    finish.disabled = false;
    statusLine.textContent = text;
  }

  // After a change made anywhere (another tab, the agent, this tab's own htmx request) the
  // socket brings a notice with the newest ledger row; the page fetches the panel as the
  // server renders it, unless it already shows that row. While the panel's own htmx request
  // is in flight, htmx holds on to the element it will swap; replacing it now would put the
  // response into a detached element. Wait for it.
  let wantedRevision = 0;
  let fetchingPanel = false;
  function showIdentity(frame) {
    wantedRevision = Math.max(wantedRevision, frame.revision);
    const current = document.getElementById("identity-panel");
    if (!current || Number(current.dataset.revision) >= wantedRevision || fetchingPanel) return;
    if (current.querySelector(".htmx-request") || current.classList.contains("htmx-request")) return;
    fetchingPanel = true;
    const asked = wantedRevision;
    fetch(section.dataset.panelUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("panel " + response.status);
        return response.text();
      })
      .then(swapPanel)
      .catch(function () { /* the next notice, or a reload, brings it */ })
      .finally(function () {
        fetchingPanel = false;
        if (wantedRevision > asked) showIdentity({ revision: wantedRevision });  // newer news
      });
  }

  function swapPanel(html) {
    const current = document.getElementById("identity-panel");
    if (!current || current.querySelector(".htmx-request") || current.classList.contains("htmx-request")) return;
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.firstElementChild;
    if (!fresh || Number(fresh.dataset.revision) < Number(current.dataset.revision)) return;
    const open = Array.from(current.querySelectorAll("details[open]")).map(function (d) { return d.querySelector("input[name=target]").value; });
    current.replaceWith(fresh);
    open.forEach(function (target) {
      const input = fresh.querySelector('details input[name=target][value="' + target + '"]');
      if (input) input.closest("details").open = true;
    });
    if (window.htmx) htmx.process(fresh);
    config.agentName = fresh.dataset.agentName || config.agentName;
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    const panel = document.getElementById("identity-panel");
    if (!panel || !panel.contains(event.detail.elt) && event.detail.elt !== panel) return;
    config.agentName = panel.dataset.agentName || config.agentName;
    const focus = panel.querySelector("[data-focus-after-swap]");
    if (focus) focus.focus();
    if (Number(panel.dataset.revision) < wantedRevision) showIdentity({ revision: wantedRevision });
  });

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function onFrame(frame) {
    if (frame.type === "history") {
      frame.messages.forEach(showMessage);
      frame.messages.forEach(function (m) { if (m.client_id) acknowledge(m.client_id); });
      showStatus(frame.status);
      if (frame.more) send({ type: "sync", after: lastTurn() });  // history comes in pages
      else showIdentity({ revision: frame.identity_revision });  // a notice may have been lost
    } else if (frame.type === "delta") {
      showDelta(frame);
    } else if (frame.type === "agent") {
      showAgent(frame.agent);
    } else if (frame.type === "message") {
      showMessage(frame.message);
    } else if (frame.type === "ack") {
      const li = transcript.querySelector('[data-client-id="' + frame.client_id + '"]');
      acknowledge(frame.client_id);
      if (li && !li.dataset.turn) placeByTurn(li, frame.turn);
      showStatus(frame.status);
    } else if (frame.type === "identity") {
      showIdentity(frame);
    } else if (frame.type === "closed") {
      closeChat(frame.message);
    } else if (frame.type === "error" && frame.code === "server_error") {
      statusLine.textContent = frame.message;  // kept: sent again after the next reconnect
    } else if (frame.type === "error") {
      if (frame.client_id) {
        // Refused for good (too long, chat over): drop it so it is not resent forever.
        acknowledge(frame.client_id);
        const li = transcript.querySelector('[data-client-id="' + frame.client_id + '"]');
        if (li) { li.classList.add("refused"); li.querySelector(".text").textContent += " (not sent: " + frame.message + ")"; }
      }
      if (frame.code === "session_over") endChat(frame.message);
      else statusLine.textContent = frame.message;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + section.dataset.wsPath);
    socket.addEventListener("open", function () {
      retryDelay = 500;
      connection.textContent = "Connected.";
      connection.classList.remove("offline");
      send({ type: "sync", after: lastTurn() });
      flushPending();
    });
    socket.addEventListener("message", function (event) { onFrame(JSON.parse(event.data)); });
    socket.addEventListener("close", function (event) {
      if (event.code === 4403) { connection.textContent = "This chat belongs to another participant."; return; }
      if (event.code === 4410) { closeChat("You have withdrawn from this study, so this chat is closed."); return; }
      if (closed) return;
      connection.textContent = "Connection lost. Reconnecting… Your messages are kept and will be sent.";
      connection.classList.add("offline");
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || over) return;
    if (text.length > config.maxChars) { statusLine.textContent = "Messages can be at most " + config.maxChars + " characters."; return; }
    const item = { client_id: newClientId(), text: text };
    pending.push(item);
    savePending(pending);
    showPending(item);
    input.value = "";
    input.focus();
    send({ type: "message", client_id: item.client_id, text: item.text });
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  if (timer && section.dataset.deadline) {
    const deadline = new Date(section.dataset.deadline);
    const tick = function () {
      const left = Math.max(0, Math.ceil((deadline - new Date()) / 60000));
      timer.textContent = left > 0 ? "About " + left + " minute" + (left === 1 ? "" : "s") + " left." : "Time is up.";
      if (left === 0) endChat("The time for this chat is up. Please finish the chat to continue.");
    };
    tick();
    setInterval(tick, 15000);
  }

  pending.forEach(showPending);
  scrollToEnd();
  connect();
})();
