/*
 * Member pages: small enhancements only. Every page works without this file.
 * - hides the parts of the request form that do not apply to the answers given so far;
 * - moves focus to the error summary after a failed submission;
 * - stops a double click from sending a form twice.
 * No inline scripts or styles (CSP): visibility uses the `hidden` attribute.
 */
(function () {
  "use strict";

  function checkedValue(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) {
      return checked.value;
    }
    var select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : "";
  }

  // data-show-when="name:value1,value2|other:value" — shown when any clause matches.
  function matches(form, rule) {
    return rule.split("|").some(function (clause) {
      var parts = clause.split(":");
      var values = (parts[1] || "").split(",");
      return values.indexOf(checkedValue(form, parts[0])) !== -1;
    });
  }

  function refresh(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (section) {
      var show = matches(form, section.getAttribute("data-show-when"));
      section.hidden = !show;
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-show-when]")) {
      refresh(form);
      form.addEventListener("change", function () {
        refresh(form);
      });
    }
    if (form.hasAttribute("data-once")) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent") === "1") {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sent", "1");
        // Re-enable after a while in case the browser kept the page (e.g. a download).
        window.setTimeout(function () {
          form.removeAttribute("data-sent");
        }, 8000);
      });
    }
  });

  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
})();
