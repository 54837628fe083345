// The request form's blocks of variables and indicators: keep the "(n of 10 filled in)" beside
// "More about this …" current while the applicant types. Without the script the page counts
// what was last saved; nothing else depends on it.
(function () {
  function filledIn(details) {
    var names = {};
    details.querySelectorAll(".meta-grid input, .meta-grid select, .meta-grid textarea")
      .forEach(function (e) {
        if (!e.name) { return; }
        var filled = (e.type === "radio" || e.type === "checkbox") ? e.checked
          : e.value.trim() !== "";
        names[e.name] = names[e.name] || filled;
      });
    return Object.keys(names).filter(function (k) { return names[k]; }).length;
  }
  function refresh(event) {
    var details = event.target.closest && event.target.closest(".meta-more");
    var count = details && details.querySelector(".meta-count");
    if (!count) { return; }
    // The first number of the sentence is the count, in every language of the page.
    count.textContent = count.textContent.replace(/\d+/, String(filledIn(details)));
  }
  document.addEventListener("input", refresh);
  document.addEventListener("change", refresh);
})();
