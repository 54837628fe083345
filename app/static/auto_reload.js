/* The kiosk and its ticket page (queue/kiosk.html, ticket.html) move on by themselves: after
   data-after seconds without a touch or a key, to data-url (or the same page, for a fresh form
   token). A timed <meta refresh> would also move a visitor who is still reading (WCAG 2.2.1);
   this waits while someone uses the screen. Without scripts, a <noscript> refresh does it. */
(function () {
  "use strict";
  var me = document.currentScript;
  var after = parseInt(me && me.getAttribute("data-after"), 10);
  if (!(after > 0)) { return; }
  var url = me.getAttribute("data-url");
  var timer = null;
  function go() {
    if (url) { window.location.assign(url); } else { window.location.reload(); }
  }
  function restart() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(go, after * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
