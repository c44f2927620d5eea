// The participant's chat client (needs live.js). Protocol: docs/protocol.md.
//
// The server is the record. Every message gets a client id; until the server acknowledges it
// the message stays in localStorage and is sent again after any reconnect or reload (the
// server stores each client id once). On every (re)connect the page asks for everything after
// the last turn it has, page by page, so nothing is lost and nothing is shown twice.
(function () {
  "use strict";
  const section = document.querySelector(".chat");
  if (!section) return;
  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const el = {
    form: document.getElementById("composer"),
    input: document.getElementById("message-input"),
    finish: document.getElementById("finish"),
    status: document.getElementById("chat-status"),
    connection: document.getElementById("connection"),
    timer: document.getElementById("timer"),
    agent: document.getElementById("agent-status"),
  };
  const storeKey = "dyad.pending." + section.dataset.session;

  // Everything the page knows beyond what the DOM shows.
  const state = {
    agentName: config.agentName,
    pending: loadPending(), // sent, not yet acknowledged: [{client_id, text}]
    over: false, // the chat has ended: nothing more to send
    closed: false, // closed for good (withdrawn): no reconnecting either
    thinkingSince: 0, // when the agent last showed a sign of life on a reply
  };

  const text = config.text; // in the study's language (chat/page_text.py)
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  }
  function refusal(frame) { return text.errors[frame.code] || frame.message; }
  const labels = { participant: text.you, system: text.note };
  const transcript = new Dyad.Transcript(document.getElementById("transcript"), function (sender) {
    return sender === "agent" ? state.agentName : labels[sender];
  });

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { return []; }
  }
  function savePending() {
    try { localStorage.setItem(storeKey, JSON.stringify(state.pending)); } catch (e) { /* private mode */ }
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function itemOf(clientId) {
    return transcript.list.querySelector('[data-client-id="' + clientId + '"]');
  }

  function showPending(item) {
    if (itemOf(item.client_id)) return;
    const li = transcript.item("participant", item.text);
    li.dataset.clientId = item.client_id;
    li.classList.add("pending");
    const sending = document.createElement("span");
    sending.className = "visually-hidden";
    sending.textContent = text.sending;
    li.querySelector(".who").after(sending);
    transcript.append(li);
  }

  // The one path by which messages reach the server: every pending one, after every
  // (re)connect, and each new one as it is written.
  function sendPending(items) {
    items.forEach(function (p) { socket.send({ type: "message", client_id: p.client_id, text: p.text, typing: p.typing }); });
  }

  // How the participant types and time away, where the study records it (telemetry.js).
  const typing = config.recordTyping ? new Dyad.Typing(el.input) : null;
  const away = config.recordTyping ? new Dyad.Away(function (frame) { socket.send(frame); }, newClientId) : null;

  // A frame the server failed on (its database restarting, say) is tried again, a little
  // later each time: every message not yet stored (the client id makes a resend harmless)
  // and a request for whatever was missed.
  let retryTimer = 0;
  let retryDelay = 1000;
  function retrySoon() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = 0;
      socket.send({ type: "sync", after: transcript.lastTurn() });
      sendPending(state.pending);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  // Refused for going too fast (slow_down): nothing was stored, so everything still pending
  // (kept on the page and in localStorage) goes again once the server says it may.
  let laterTimer = 0;
  let laterAt = 0;
  function sendLater(seconds) {
    const at = Date.now() + Math.max(1, Number(seconds) || 1) * 1000;
    if (laterTimer && laterAt >= at) return;
    clearTimeout(laterTimer);
    laterAt = at;
    laterTimer = setTimeout(function () {
      laterTimer = 0;
      socket.send({ type: "sync", after: transcript.lastTurn() });
      sendPending(state.pending);
      if (away) away.resend();
    }, at - Date.now());
  }

  function acknowledge(clientId) {
    retryDelay = 1000;
    state.pending = state.pending.filter(function (p) { return p.client_id !== clientId; });
    savePending();
    const li = itemOf(clientId);
    if (li) { li.classList.remove("pending"); const s = li.querySelector(".visually-hidden"); if (s) s.remove(); }
  }

  // The partner's name follows the identity's, unless the condition shows a fixed one.
  function rename(name) {
    if (config.nameFixed || !name || name === state.agentName) return;
    state.agentName = name;
    const shown = document.getElementById("partner-name");
    if (shown) shown.textContent = name;
  }

  function showAgent(agent) {
    el.agent.textContent = "";
    // "held": a paced reply is on its way with nothing to show yet; still expected.
    state.thinkingSince = agent.state === "thinking" || agent.state === "held" ? Date.now() : 0;
    if (agent.state === "thinking") {
      el.agent.textContent = fill(text.typing, { agent: state.agentName });
      if (agent.text) transcript.draftText(agent.reply_to, agent.text);
    } else if (agent.state === "failed" || agent.state === "stalled") {
      transcript.dropDraft();
      const note = document.createElement("span");
      note.textContent = (agent.state === "failed" ? fill(text.failed, { agent: state.agentName }) : text.slow) + " ";
      const again = document.createElement("button");
      again.type = "button";
      again.className = "small retry";
      again.textContent = text.tryAgain;
      again.addEventListener("click", function () { socket.send({ type: "retry" }); el.agent.textContent = fill(text.typing, { agent: state.agentName }); });
      el.agent.append(note, again);
    }
  }

  function showStatus(status) {
    if (!status) return;
    el.finish.disabled = !status.can_finish;
    if (status.over) endChat(text.timeUp);
    else if (status.can_finish) el.status.textContent = text.canFinish;
    else el.status.textContent = fill(text.needMore, { needed: status.min_turns, sent: status.participant_turns });
  }

  function endChat(text) {
    if (state.over) return;
    state.over = true;
    el.input.disabled = true;
    el.form.querySelector("button").disabled = true;
    el.finish.disabled = false;
    el.status.textContent = text;
  }

  function closeChat(text) {
    state.closed = true;
    socket.stop();
    endChat(text);
    el.finish.disabled = true;
    el.connection.textContent = text;
    el.connection.classList.remove("offline");
    state.pending = [];
    savePending();
  }

  // The identity panel, fetched after a notice from the socket. While the panel's own htmx
  // request is in flight, htmx holds on to the element it will swap; replacing it now would
  // put the response into a detached element, so the page waits for it (see afterSwap).
  function panelBusy(panel) {
    return panel.querySelector(".htmx-request") || panel.classList.contains("htmx-request");
  }
  const panel = new Dyad.Refresher(section.dataset.panelUrl, function () {
    const current = document.getElementById("identity-panel");
    if (!current) return Infinity; // a hidden panel: nothing to show
    return panelBusy(current) ? Infinity : Number(current.dataset.revision);
  }, function (html) {
    const current = document.getElementById("identity-panel");
    if (!current || panelBusy(current)) return;
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
    rename(fresh.dataset.agentName);
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    const current = document.getElementById("identity-panel");
    if (!current || !current.contains(event.detail.elt) && event.detail.elt !== current) return;
    rename(current.dataset.agentName);
    const focus = current.querySelector("[data-focus-after-swap]");
    if (focus) focus.focus();
    panel.notice(panel.wanted); // a notice that came while the request was in flight
  });

  // Frames from the server, by type.
  const handlers = {
    history: function (frame) {
      frame.messages.forEach(function (m) { transcript.show(m); });
      frame.messages.forEach(function (m) { if (m.client_id) acknowledge(m.client_id); });
      showStatus(frame.status);
      if (frame.more) socket.send({ type: "sync", after: transcript.lastTurn() }); // the next page
      else panel.notice(frame.identity_revision); // a notice may have been lost
    },
    delta: function (frame) {
      state.thinkingSince = Date.now();
      transcript.delta(frame);
    },
    agent: function (frame) { showAgent(frame.agent); },
    message: function (frame) {
      if (frame.message.sender === "agent" && frame.message.reply_to) showAgent({ state: "idle" });
      transcript.show(frame.message);
      if (frame.status) showStatus(frame.status); // sent from another tab: Finish may be due
    },
    ack: function (frame) {
      const li = itemOf(frame.client_id);
      acknowledge(frame.client_id);
      if (!state.thinkingSince) state.thinkingSince = Date.now(); // a reply is expected now
      if (li && !li.dataset.turn) transcript.place(li, frame.turn);
      showStatus(frame.status);
    },
    identity: function (frame) { panel.notice(frame.revision); },
    noted: function (frame) { if (away) away.noted(frame.client_id); },
    closed: function () { closeChat(text.closed); },
    error: function (frame) {
      if (frame.code === "slow_down") { // kept, and sent again when the server says
        const held = state.pending.some(function (p) { return p.client_id === frame.client_id; });
        if (held) el.status.textContent = fill(text.slowDown, { seconds: frame.retry_after });
        sendLater(frame.retry_after);
        return;
      }
      if (frame.code === "server_error") { // tried again in a moment (messages: same client id)
        el.status.textContent = refusal(frame) + (frame.client_id ? " " + text.keptForLater : "");
        retrySoon();
        return;
      }
      if (frame.client_id) {
        // Refused for good (too long, chat over): drop it so it is not sent again forever.
        if (away) away.noted(frame.client_id); // a report of time away, likewise
        acknowledge(frame.client_id);
        const li = itemOf(frame.client_id);
        if (li) { li.classList.add("refused"); li.querySelector(".text").textContent += " " + fill(text.notSent, { reason: refusal(frame) }); }
      }
      if (frame.code === "session_over") endChat(refusal(frame));
      else el.status.textContent = refusal(frame);
    },
  };

  const codes = config.closeCodes;
  const socket = new Dyad.Socket(section.dataset.wsPath, handlers, {
    finalCodes: [codes.refused, codes.closed],
    onOpen: function () {
      el.connection.textContent = text.connected;
      el.connection.classList.remove("offline");
      socket.send({ type: "sync", after: transcript.lastTurn() });
      sendPending(state.pending);
      if (away) away.resend();
    },
    onLost: function () {
      el.connection.textContent = text.lost;
      el.connection.classList.add("offline");
    },
    onFinal: function (code) {
      if (code === codes.closed) closeChat(text.closed);
      else el.connection.textContent = text.notYours;
    },
  });

  // Waiting on a reply and hearing nothing for a while (a notice lost while the server's
  // messaging restarted, a worker that died): ask the server what there is. It sends what was
  // missed, or reports a stalled reply, which the participant can then try again.
  setInterval(function () {
    const quiet = Date.now() - Math.max(state.thinkingSince, socket.heardAt);
    if (state.thinkingSince && quiet > config.quietSeconds * 1000) {
      state.thinkingSince = Date.now();
      socket.send({ type: "sync", after: transcript.lastTurn() });
    }
  }, 2500);

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    const message = el.input.value.trim();
    if (!message || state.over) return;
    if (message.length > config.maxChars) { el.status.textContent = fill(text.tooLong, { count: config.maxChars }); return; }
    const item = { client_id: newClientId(), text: message };
    if (typing) item.typing = typing.take();
    state.pending.push(item);
    savePending();
    showPending(item);
    el.input.value = "";
    el.input.focus();
    sendPending([item]);
  });

  el.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  });

  if (el.timer && section.dataset.deadline) {
    const deadline = new Date(section.dataset.deadline);
    const tick = function () {
      const left = Math.max(0, Math.ceil((deadline - new Date()) / 60000));
      el.timer.textContent = left > 0 ? fill(left === 1 ? text.minuteLeft : text.minutesLeft, { count: left }) : text.timeIsUp;
      if (left === 0) endChat(text.timeUp);
    };
    tick();
    setInterval(tick, 15000);
  }

  state.pending.forEach(showPending);
  transcript.scrollToEnd();
})();
