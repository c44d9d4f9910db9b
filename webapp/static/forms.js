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

// Inline checks while filling in: a required field left empty, or a number or date that does not parse, is
// marked under the field as soon as it is left. The server checks everything again on saving and marks what it
// finds under the same fields.
(function () {
  "use strict";
  var form = document.querySelector("form.form");
  if (!form) return;
  function message(input) {
    if (input.validity.valueMissing) return "Заполните это поле";
    if (input.validity.patternMismatch) return "Введите число, например 12 500,50";
    if (input.validity.badInput || input.validity.typeMismatch) return "Неверный формат";
    return "";
  }
  form.addEventListener("focusout", function (event) {
    var input = event.target;
    var field = input.closest && input.closest(".field");
    if (!field || !input.matches("input, textarea, select")) return;
    var note = field.querySelector(".field-error.inline-check");
    var text = message(input);
    if (text && !note) {
      note = document.createElement("p");
      note.className = "field-error inline-check";
      field.appendChild(note);
    }
    if (note) {
      note.textContent = text;
      note.hidden = !text;
    }
  });
})();
