// The study's live overview (needs live.js): the socket says which sessions changed; their
// rows are fetched again and swapped in (new sessions added on top, ended ones dropped).
// After a reconnect every row is fetched again. "In session" ticks on the page.
(function () {
  "use strict";
  const table = document.getElementById("overview");
  if (!table) return;
  const config = JSON.parse(document.getElementById("overview-config").textContent);
  const connection = document.getElementById("overview-connection");
  const body = function () { return document.getElementById("overview-rows"); };

  function url(ids) {
    const base = table.dataset.rowsUrl;
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + "ids=" + encodeURIComponent(ids);
  }

  function apply(html, asked) {
    const holder = document.createElement("template");
    holder.innerHTML = "<table>" + html + "</table>";
    const fresh = holder.content.querySelector("tbody");
    const found = {};
    fresh.querySelectorAll("tr[data-session]").forEach(function (row) {
      found[row.dataset.session] = true;
      const old = body().querySelector('tr[data-session="' + row.dataset.session + '"]');
      if (old) {
        if (old.contains(document.activeElement) || old.querySelector("details[open]")) return;
        old.replaceWith(row);
      } else body().prepend(row);
    });
    body().querySelectorAll("tr[data-session]").forEach(function (row) {
      const id = row.dataset.session;
      if ((asked === "all" || asked.indexOf(Number(id)) >= 0) && !found[id]) row.remove();
    });
    const count = body().querySelectorAll("tr[data-session]").length;
    document.getElementById("overview-count").textContent = count;
    const empty = document.getElementById("overview-empty");
    if (empty) empty.hidden = count > 0;
    tick();
  }

  function fetchRows(asked) {
    fetch(url(asked === "all" ? "all" : asked.join(",")), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { apply(html, asked); })
      .catch(function () { connection.textContent = "Could not update some rows; they update with the next change."; });
  }

  function tick() {
    const now = Date.now();
    body().querySelectorAll("tr[data-started]").forEach(function (row) {
      const minutes = Math.max(0, Math.floor((now - Date.parse(row.dataset.started)) / 60000));
      row.querySelector(".elapsed").textContent = minutes < 1 ? "under a minute" : minutes + " min";
    });
  }
  tick();
  setInterval(tick, 15000);

  const socket = new Dyad.Socket(table.dataset.wsPath, {
    changed: function (frame) { fetchRows(frame.sessions); },
  }, {
    finalCodes: [config.closeCodes.refused],
    onOpen: function () { connection.textContent = "Live."; fetchRows("all"); },
    onLost: function () { connection.textContent = "Connection lost; reconnecting…"; },
    onFinal: function () { connection.textContent = "You may not watch this study."; },
  });
})();
