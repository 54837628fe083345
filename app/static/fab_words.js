// FAB's ab_actions.js says "No row selected" in English: say it in the page's language
// (alert.html carries the translation). Deferred: ab.js, which defines ab_alert, loads at the
// end of the page; ab_actions.js looks the global up at each call.
(function () {
  var box = document.getElementById('modal-alert');
  var said = box && box.getAttribute('data-no-row');
  var original = window.ab_alert;
  if (!said || typeof original !== 'function') return;
  window.ab_alert = function (text) {
    return original(text === 'No row selected' ? said : text);
  };
})();
