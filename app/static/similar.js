// While the applicant types the title and objectives, show the closest activities BPS has
// already recommended (duplicate surveys are what the recommendation exists to catch).
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute("data-url");
  var box = document.getElementById("similar");
  var list = document.getElementById("similar-list");
  var title = document.getElementById("title");
  var objectives = document.getElementById("objectives");
  if (!url || !box || !list || !title) { return; }
  var timer = null;
  function refresh() {
    var text = (title.value + " " + (objectives ? objectives.value : "")).trim();
    if (text.length < 4) { box.hidden = true; return; }
    fetch(url + "?text=" + encodeURIComponent(text.slice(0, 2000)), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (hits) {
        hits = Array.isArray(hits) ? hits : (hits.results || []);
        list.textContent = "";
        hits.forEach(function (hit) {
          var li = document.createElement("li");
          li.textContent = hit.title + " — " + (hit.agency_name || "") + " (" + (hit.year || "") + ")";
          list.appendChild(li);
        });
        box.hidden = hits.length === 0;
      })
      .catch(function () { box.hidden = true; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  title.addEventListener("input", later);
  if (objectives) { objectives.addEventListener("input", later); }
  refresh();
})();
