// Repeatable table rows: add from the row <template>, remove, renumber. Names carry the row index.
(function () {
  "use strict";
  function renumber(table) {
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var number = rows[i].querySelector(".row-number");
      if (number) number.textContent = String(i + 1);
    }
  }
  function nextIndex(table) {
    var max = -1;
    table.querySelectorAll("[name]").forEach(function (input) {
      var parts = input.name.split(".");
      var index = parseInt(parts[2], 10);
      if (!isNaN(index) && index > max) max = index;
    });
    return max + 1;
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList.contains("add-row")) {
      var name = target.getAttribute("data-table");
      var table = document.querySelector('table[data-table="' + name + '"]');
      var template = document.getElementById("row-template-" + name);
      var html = template.innerHTML.split("__index__").join(String(nextIndex(table)));
      table.tBodies[0].insertAdjacentHTML("beforeend", html);
      renumber(table);
    } else if (target.classList.contains("remove-row")) {
      var row = target.closest("tr");
      var owner = target.closest("table");
      if (owner.tBodies[0].rows.length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input, textarea, select").forEach(function (input) { input.value = ""; });
      }
      renumber(owner);
    }
  });
  document.querySelectorAll("table.form-table").forEach(renumber);
})();
