// The request form keeps a copy of what is typed in this browser tab (sessionStorage: gone when
// the tab closes), so that a step interrupted by a lost session or a page left without saving
// is filled in again when the applicant comes back to it. The server's draft holds every step
// saved; this copy covers only the step being typed. The page names the copy of the step it
// has just saved (data-draft-saved): that one is dropped.
(function () {
  var form = document.getElementById("request-form");
  var notice = document.getElementById("draft-restored");
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!form || !store) { return; }
  var key = form.getAttribute("data-draft-key");
  var saved = form.getAttribute("data-draft-saved");
  var SKIP = {csrf_token: 1, form_token: 1, step: 1, action: 1};
  if (saved) { store.removeItem(saved); }
  if (!key) { return; }

  function inputs() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== "file" && el.type !== "hidden" &&
        el.type !== "submit" && el.type !== "button";
    });
  }
  function snapshot() {
    var values = {};
    inputs().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name + "=" + el.value] = el.checked;
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function apply(values) {
    var changed = false;
    inputs().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "=" + el.value;
        if (k in values && el.checked !== values[k]) { el.checked = values[k]; changed = true; }
      } else if (el.name in values && el.value !== values[el.name]) {
        el.value = values[el.name]; changed = true;
      }
    });
    return changed;
  }

  var kept = null;
  try { kept = JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
  if (kept && apply(kept) && notice) {
    notice.hidden = false;
    var discard = document.getElementById("draft-discard");
    if (discard) {
      discard.addEventListener("click", function () {
        store.removeItem(key);
        window.location.reload();
      });
    }
  }
  var timer = null;
  function keep() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      try { store.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full: no copy */ }
    }, 250);
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  // The last keystrokes too, when the page is left at once (a button, a link).
  form.addEventListener("submit", function () {
    try { store.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full: no copy */ }
  });
})();
