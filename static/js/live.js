// What the participant's chat and the researcher's live view share: one socket that
// reconnects and asks for what it missed, and one transcript built from the page's
// <template id="message-template"> (the server renders the same partial for both).
// Protocol: docs/protocol.md.
(function () {
  "use strict";

  // The transcript as the page shows it: messages placed by turn, the agent's reply as it
  // streams in, the newest message kept in view unless the reader has scrolled up.
  function Transcript(list, label) {
    this.list = list;
    this.label = label; // sender -> the name shown before the text
    this.template = document.getElementById("message-template");
  }

  Transcript.prototype.lastTurn = function () {
    let last = 0;
    this.list.querySelectorAll("[data-turn]").forEach(function (li) {
      last = Math.max(last, Number(li.dataset.turn));
    });
    return last;
  };

  Transcript.prototype.item = function (sender, text) {
    const li = this.template.content.firstElementChild.cloneNode(true);
    li.classList.add("msg-" + sender);
    li.querySelector(".who").textContent = this.label(sender) + ":";
    li.querySelector(".text").textContent = text;
    return li;
  };

  Transcript.prototype.nearBottom = function () {
    const l = this.list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  };
  Transcript.prototype.scrollToEnd = function () { this.list.scrollTop = this.list.scrollHeight; };

  // Put an item where its turn belongs (before anything still being sent).
  Transcript.prototype.place = function (li, turn) {
    const following = this.nearBottom();
    li.dataset.turn = String(turn);
    li.classList.remove("pending");
    const later = Array.from(this.list.querySelectorAll("[data-turn]"))
      .find(function (other) { return Number(other.dataset.turn) > turn; });
    this.list.insertBefore(li, later || this.list.querySelector(".pending"));
    if (following) this.scrollToEnd();
  };

  Transcript.prototype.append = function (li) {
    this.list.appendChild(li);
    this.scrollToEnd();
  };

  // A stored message: shown once, in turn order; a reply replaces the draft it finishes.
  Transcript.prototype.show = function (m) {
    if (m.sender === "agent" && m.reply_to) this.dropDraft();
    if (this.list.querySelector('[data-turn="' + m.turn + '"]')) return;
    let li = m.client_id ? this.list.querySelector('[data-client-id="' + m.client_id + '"]') : null;
    if (!li) li = this.item(m.sender, m.text);
    if (m.client_id) li.dataset.clientId = m.client_id;
    this.place(li, m.turn);
  };

  // The reply as it streams in. Screen readers skip it (it changes many times a second) and
  // hear the finished message, which arrives as a new entry.
  Transcript.prototype.draft = function (replyTo) {
    let li = this.list.querySelector(".draft");
    if (li && li.dataset.replyTo !== String(replyTo)) { li.remove(); li = null; }
    if (!li) {
      li = this.item("agent", "");
      li.classList.add("draft");
      li.dataset.replyTo = String(replyTo);
      li.setAttribute("aria-hidden", "true");
      this.append(li);
    }
    return li;
  };
  Transcript.prototype.dropDraft = function () {
    const li = this.list.querySelector(".draft");
    if (li) li.remove();
  };
  Transcript.prototype.delta = function (frame) {
    const following = this.nearBottom();
    const text = this.draft(frame.reply_to).querySelector(".text");
    const shown = text.textContent;
    // A page that came back mid-reply starts from a draft up to a second old: the words in
    // between arrive with the whole reply, so the gap is marked, not closed up.
    if (frame.offset > shown.length) text.textContent = shown + " … " + frame.text;
    else text.textContent = shown.slice(0, frame.offset) + frame.text;
    if (following) this.scrollToEnd();
  };
  Transcript.prototype.draftText = function (replyTo, text) {
    this.draft(replyTo).querySelector(".text").textContent = text;
  };

  // One socket to the session: frames go to ``handlers[frame.type]``; on every (re)connect
  // ``onOpen`` runs (ask for what was missed); a close with one of ``finalCodes`` (refused,
  // closed for good) goes to ``onFinal`` and is not retried; any other reconnects with backoff.
  function Socket(path, handlers, hooks) {
    this.path = path;
    this.handlers = handlers;
    this.hooks = hooks;
    this.delay = 500;
    this.socket = null;
    this.heardAt = 0; // when the last frame came
    this.connect();
  }

  Socket.prototype.connect = function () {
    const self = this;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + this.path);
    this.socket = socket;
    socket.addEventListener("open", function () { self.delay = 500; self.hooks.onOpen(); });
    socket.addEventListener("message", function (event) {
      self.heardAt = Date.now();
      const frame = JSON.parse(event.data);
      const handler = self.handlers[frame.type];
      if (handler) handler(frame);
    });
    socket.addEventListener("close", function (event) {
      if (self.hooks.finalCodes.indexOf(event.code) >= 0) { self.hooks.onFinal(event.code); return; }
      if (self.stopped) return;
      self.hooks.onLost();
      setTimeout(function () { self.connect(); }, self.delay);
      self.delay = Math.min(self.delay * 2, 10000);
    });
  };

  Socket.prototype.send = function (frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  };

  Socket.prototype.stop = function () { this.stopped = true; };

  // A fragment fetched over HTTP after a notice that it changed (``revision``): one fetch at
  // a time, and again only if a newer notice came meanwhile. ``swap(html)`` puts it in.
  function Refresher(url, shown, swap) {
    this.url = url;
    this.shown = shown; // () -> the revision the page shows now
    this.swap = swap;
    this.wanted = 0;
    this.fetching = false;
  }

  Refresher.prototype.notice = function (revision) {
    const self = this;
    this.wanted = Math.max(this.wanted, revision);
    if (this.fetching || this.shown() >= this.wanted) return;
    this.fetching = true;
    const asked = this.wanted;
    fetch(this.url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("refresh " + response.status);
        return response.text();
      })
      .then(function (html) { self.swap(html); })
      .catch(function () { /* the next notice, or a reload, brings it */ })
      .finally(function () {
        self.fetching = false;
        if (self.wanted > asked) self.notice(self.wanted); // newer news came meanwhile
      });
  };

  window.Dyad = { Transcript: Transcript, Socket: Socket, Refresher: Refresher };
})();
