// The generator's record picker: "select all on this page" and a live count of the ticked records.
(function () {
  "use strict";
  var form = document.querySelector("form[data-record-picker]");
  if (!form) { return; }
  var all = form.querySelector("[data-select-all]");
  var count = form.querySelector("[data-selected-count]");
  function boxes() { return form.querySelectorAll("input[type=checkbox][name=selected]"); }
  function update() {
    var hidden = form.querySelectorAll("input[type=hidden][name=selected]").length;
    var ticked = form.querySelectorAll("input[type=checkbox][name=selected]:checked").length;
    if (count) { count.textContent = hidden + ticked; }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  form.addEventListener("change", update);
})();
