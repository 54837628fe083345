/* The queue board (templates/queue/board.html): asks /queue/board.json every few seconds and
 * changes the numbers in place, without reloading the page. A failed answer keeps what the
 * board shows, shows the small "offline" mark and tries again at the next beat. Screen
 * readers hear the "now serving" block change (aria-live="polite" in the page). */
(function () {
  "use strict";
  var board = document.getElementById("queue-board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-state-url");
  var interval = parseInt(board.getAttribute("data-interval"), 10) || 5000;
  var offline = document.getElementById("board-offline");

  function setText(id, text) {
    var el = document.getElementById(id);
    if (!el || el.textContent.trim() === text) { return false; }
    el.textContent = text;
    return true;
  }

  function flash(el) {
    el.classList.remove("queue-changed");
    void el.offsetWidth; // restart the animation
    el.classList.add("queue-changed");
  }

  function render(state) {
    var now = state.now_serving;
    if (setText("now-serving", now ? now.number : "\u2014")) {
      flash(document.getElementById("now-serving"));
    }
    setText("now-state", now ? now.state_label : "");
    var others = state.also_called || [];
    var list = document.getElementById("also-called");
    var shown = Array.prototype.map.call(list.querySelectorAll("span"),
                                         function (s) { return s.textContent; });
    if (shown.join(" ") !== others.join(" ")) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      others.forEach(function (n) {
        var span = document.createElement("span");
        span.textContent = n;
        list.appendChild(span);
      });
    }
    document.getElementById("also-called-block").hidden = others.length === 0;
    setText("waiting", String(state.waiting));
    if (state.day) { setText("board-day", state.day); }
    if (state.office && state.office.name) { setText("board-office", state.office.name); }
    if (state.refresh) { interval = state.refresh * 1000; }
  }

  function setOffline(isOffline) {
    if (offline) { offline.hidden = !isOffline; }
    board.classList.toggle("is-offline", isOffline);
  }

  function beat() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, interval * 2)
                           : null;
    fetch(url, {cache: "no-store", credentials: "same-origin",
                headers: {"Accept": "application/json"},
                signal: controller ? controller.signal : undefined})
      .then(function (answer) {
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.json();
      })
      .then(function (state) { render(state); setOffline(false); })
      .catch(function () { setOffline(true); })
      .then(function () {
        if (timer) { window.clearTimeout(timer); }
        window.setTimeout(beat, interval);
      });
  }

  window.setTimeout(beat, interval);
}());
