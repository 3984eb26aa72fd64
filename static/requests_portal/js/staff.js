// Progressive enhancement for the staff workspace. Every page works without this file:
// it only hides form sections that do not apply and adds a "select all" button.
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  function valueOf(form, name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    const select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : "";
  }

  // Decision form: show the sections that belong to the chosen decision.
  function syncDecision(form) {
    const decision = valueOf(form, "decision");
    form.querySelectorAll("[data-for-decisions]").forEach(function (section) {
      const applies = section.dataset.forDecisions.split(" ").indexOf(decision) !== -1;
      // Until a decision is chosen none of its sections applies (without JavaScript all show).
      section.classList.toggle("is-hidden", !applies);
    });
  }

  // Intake form: agent fields only for agents, kind-specific fields only for their kinds.
  function syncConditional(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      const value = valueOf(form, block.dataset.showWhen);
      block.classList.toggle("is-hidden", block.dataset.showValues.split(" ").indexOf(value) === -1);
    });
  }

  function init(root) {
    root.querySelectorAll("[data-decision-form]").forEach(function (form) {
      syncDecision(form);
      form.addEventListener("change", function () { syncDecision(form); });
    });
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-when]")) return;
      syncConditional(form);
      form.addEventListener("change", function () { syncConditional(form); });
    });
    root.querySelectorAll("[data-select-all]").forEach(function (button) {
      button.addEventListener("click", function () {
        const boxes = button.form.querySelectorAll('input[type="checkbox"][name="' + button.dataset.selectAll + '"]');
        const all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
        boxes.forEach(function (box) { box.checked = !all; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // After a refused submission, take keyboard and screen-reader users to the error summary.
    const summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
  // The queue's results are swapped in by htmx: enhance the new fragment too.
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
