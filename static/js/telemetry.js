// How the participant types, for studies that record it (their consent page says so; the
// server ignores all of this otherwise). Never the keys or the pasted text themselves: only
// times, counts and lengths. Definitions: docs/data.md.
(function () {
  "use strict";
  window.Dyad = window.Dyad || {};
  const IDLE_MS = 30 * 1000; // an idle stretch is reported only from this long (docs/data.md)

  // One message as it is written: from the first keystroke or paste to sending.
  function Typing(input) {
    this.reset();
    const self = this;
    function started() { if (!self.firstAt) self.firstAt = Date.now(); }
    input.addEventListener("keydown", started);
    input.addEventListener("input", started);
    input.addEventListener("paste", function (event) {
      started();
      const text = event.clipboardData ? event.clipboardData.getData("text") : "";
      self.pastes += 1;
      self.pastedChars += Array.from(text).length; // characters, as the server counts them
    });
  }
  Typing.prototype.reset = function () { this.firstAt = 0; this.pastes = 0; this.pastedChars = 0; };
  // What to send with the message now going out; the next message starts from nothing.
  Typing.prototype.take = function () {
    const taken = {
      ms: this.firstAt ? Date.now() - this.firstAt : 0,
      pastes: this.pastes,
      pasted_chars: this.pastedChars,
    };
    this.reset();
    return taken;
  };

  // Stretches away from the chat: the tab hidden, or visible with nothing happening for a
  // while. Each is reported when the participant is back, and again after a reconnect until
  // the server has noted it (``noted``), so none is lost to a dropped connection.
  function Away(send, newId) {
    this.send = send;
    this.newId = newId;
    this.queue = [];
    this.hiddenAt = document.hidden ? Date.now() : 0;
    this.lastActive = Date.now();
    const self = this;
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { self.hiddenAt = Date.now(); return; }
      if (self.hiddenAt) self.report("hidden", Date.now() - self.hiddenAt);
      self.hiddenAt = 0;
      self.lastActive = Date.now(); // time hidden is not also idle
    });
    ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "touchstart"].forEach(function (type) {
      window.addEventListener(type, function () { self.active(); }, { passive: true, capture: true });
    });
  }
  Away.prototype.active = function () {
    const now = Date.now();
    if (!document.hidden && now - this.lastActive >= IDLE_MS) this.report("idle", now - this.lastActive);
    this.lastActive = now;
  };
  Away.prototype.report = function (kind, ms) {
    const item = { type: "activity", client_id: this.newId(), kind: kind, ms: Math.round(ms) };
    this.queue.push(item);
    this.send(item);
  };
  Away.prototype.resend = function () { const self = this; this.queue.forEach(function (item) { self.send(item); }); };
  Away.prototype.noted = function (clientId) {
    this.queue = this.queue.filter(function (item) { return item.client_id !== clientId; });
  };

  Dyad.Typing = Typing;
  Dyad.Away = Away;
})();
