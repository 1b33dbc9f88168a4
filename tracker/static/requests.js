// Reply form: highlight the content checks the law requires for the chosen outcome.
(function () {
  "use strict";
  var select = document.querySelector("[data-outcome-select]");
  if (!select) { return; }
  var hint = document.querySelector("[data-required-hint]");

  function highlight() {
    var option = select.options[select.selectedIndex];
    var required = (option && option.getAttribute("data-required") || "").split(" ").filter(Boolean);
    var labels = [];
    document.querySelectorAll("[data-check]").forEach(function (row) {
      var needed = required.indexOf(row.getAttribute("data-check")) !== -1;
      row.classList.toggle("fw-bold", needed);
      row.querySelector("[data-required-badge]").classList.toggle("d-none", !needed);
      if (needed) { labels.push(row.querySelector("label").textContent); }
    });
    document.querySelectorAll("[data-outcome-row]").forEach(function (row) {
      row.classList.toggle("table-warning", row.getAttribute("data-outcome-row") === select.value);
    });
    if (hint) {
      hint.textContent = !select.value ? "" :
        (labels.length ? "该答复类型必须：" + labels.join("、") : "该答复类型本身即满足要求，无额外必备内容");
    }
  }

  select.addEventListener("change", highlight);
  highlight();
})();
