/* The queue board (templates/queue/board.html): asks /queue/board.json every few seconds and
 * changes the numbers in place, without reloading the page. A failed answer keeps what the
 * board shows, shows the small "offline" mark and tries again at the next beat. Screen
 * readers hear the "now serving" block change (aria-live="polite" in the page): the number
 * and the counter it is called to ("012 → Loket 2", heard as "please go to Loket 2"). */
(function () {
  "use strict";
  var board = document.getElementById("queue-board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-state-url");
  var interval = parseInt(board.getAttribute("data-interval"), 10) || 5000;
  var offline = document.getElementById("board-offline");
  // The words screen readers hear for the arrow, as the page wrote them (its language).
  var goTo = board.querySelector("#now-counter-line .sr-only");
  goTo = goTo ? goTo.textContent : "";

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

  // "→ Loket 2" after a number in the "also at the desk" list (empty: no counter named).
  function counterCell(counter) {
    var cell = document.createElement("span");
    cell.className = "board-call-counter";
    if (counter) {
      var arrow = document.createElement("span");
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "\u2192 ";
      var heard = document.createElement("span");
      heard.className = "sr-only";
      heard.textContent = goTo;
      cell.appendChild(arrow);
      cell.appendChild(heard);
      cell.appendChild(document.createTextNode(counter));
    }
    return cell;
  }

  function render(state) {
    var now = state.now_serving;
    if (setText("now-serving", now ? now.number : "\u2014")) {
      flash(document.getElementById("now-serving"));
    }
    var counter = now && now.counter ? now.counter : "";
    setText("now-counter", counter);
    document.getElementById("now-counter-line").hidden = !counter;
    setText("now-state", now ? now.state_label : "");
    // The others: each number, then its counter (older answers: numbers only).
    var others = state.called ? state.called.slice(1) : (state.also_called || []).map(
      function (n) { return {number: n, counter: ""}; });
    var list = document.getElementById("also-called");
    var wanted = others.map(function (t) { return t.number + "|" + (t.counter || ""); });
    if (list.getAttribute("data-shown") !== wanted.join(" ")) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      others.forEach(function (t) {
        var number = document.createElement("span");
        number.textContent = t.number;
        list.appendChild(number);
        list.appendChild(counterCell(t.counter || ""));
      });
      list.setAttribute("data-shown", wanted.join(" "));
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
