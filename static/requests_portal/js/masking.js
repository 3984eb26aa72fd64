// The masking screen: drag rectangles on the page images, or work the list with the keyboard.
// Progressive enhancement: the numbered fields (rect-N-page/x/y/w/h) are the form; this script
// only fills them and draws them. Served from static/ because the CSP forbids inline scripts.
(function () {
  "use strict";
  var form = document.getElementById("masking-form");
  if (!form) { return; }
  var list = document.getElementById("masking-list");
  var max = parseInt(form.dataset.max, 10) || 12;
  var selected = null;
  var FIELDS = ["page", "x", "y", "w", "h"];
  var text = {
    select: "選択",
    remove: "削除",
    area: "範囲",
    selected: "選択中",
    removed: "範囲を削除しました",
    added: "範囲を追加しました。矢印キーで移動、Shift＋矢印キーで大きさを変えられます"
  };
  if (document.documentElement.lang && document.documentElement.lang.indexOf("en") === 0) {
    text = {
      select: "Select", remove: "Delete", area: "Area", selected: "selected",
      removed: "Area deleted",
      added: "Area added. Arrow keys move it, Shift+arrow keys resize it"
    };
  }

  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  form.appendChild(live);

  document.documentElement.classList.add("has-js");
  Array.prototype.forEach.call(form.querySelectorAll(".js-only"), function (el) { el.hidden = false; });

  function field(row, key) { return row.querySelector('input[name$="-' + key + '"]'); }
  function value(row, key) { var v = parseInt(field(row, key).value, 10); return isNaN(v) ? null : v; }
  function rows() { return Array.prototype.slice.call(list.querySelectorAll(".masking__row")); }
  function filled(row) { return value(row, "w") !== null && value(row, "h") !== null && value(row, "x") !== null && value(row, "y") !== null; }
  function pageOf(number) { return form.querySelector('.masking__page[data-page="' + number + '"]'); }

  function label(row) {
    return row.querySelector(".masking__row-name").textContent;
  }

  function renumber() {
    rows().forEach(function (row, i) {
      row.querySelector(".masking__row-name").textContent = text.area + (i + 1);
      var buttons = row.querySelectorAll("button");
      if (buttons.length === 2) {
        buttons[0].setAttribute("aria-label", text.select + "：" + text.area + (i + 1));
        buttons[1].setAttribute("aria-label", text.remove + "：" + text.area + (i + 1));
      }
    });
  }

  function draw() {
    Array.prototype.forEach.call(form.querySelectorAll(".masking__box"), function (box) { box.remove(); });
    rows().forEach(function (row) {
      if (!filled(row)) { return; }
      var page = pageOf(value(row, "page") || 1);
      if (!page) { return; }
      var img = page.querySelector("img");
      var scale = img.clientWidth / (parseInt(page.dataset.width, 10) || img.naturalWidth || 1);
      var box = document.createElement("div");
      box.className = "masking__box" + (row === selected ? " masking__box--selected" : "");
      box.style.left = value(row, "x") * scale + "px";
      box.style.top = value(row, "y") * scale + "px";
      box.style.width = value(row, "w") * scale + "px";
      box.style.height = value(row, "h") * scale + "px";
      box.setAttribute("aria-hidden", "true");
      box.textContent = label(row);
      page.querySelector(".masking__stage").appendChild(box);
    });
  }

  function select(row, focus) {
    selected = row;
    rows().forEach(function (r) {
      var on = r === row;
      r.classList.toggle("masking__row--selected", on);
      var b = r.querySelector(".masking__select");
      if (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); }
    });
    if (row && focus) { row.querySelector(".masking__select").focus(); }
    draw();
  }

  function set(row, rect) {
    FIELDS.forEach(function (key) { if (rect[key] !== undefined) { field(row, key).value = String(rect[key]); } });
  }

  function clamp(row) {
    var page = pageOf(value(row, "page") || 1);
    if (!page) { return; }
    var pw = parseInt(page.dataset.width, 10), ph = parseInt(page.dataset.height, 10);
    var w = Math.max(1, Math.min(value(row, "w"), pw)), h = Math.max(1, Math.min(value(row, "h"), ph));
    var x = Math.max(0, Math.min(value(row, "x"), pw - w)), y = Math.max(0, Math.min(value(row, "y"), ph - h));
    set(row, { x: x, y: y, w: w, h: h });
  }

  function enhance(row) {
    if (row.querySelector(".masking__select")) { return; }
    var pick = document.createElement("button");
    pick.type = "button";
    pick.className = "masking__select button--secondary";
    pick.textContent = text.select;
    pick.setAttribute("aria-pressed", "false");
    pick.addEventListener("click", function () { select(row, true); });
    pick.addEventListener("keydown", function (event) { onKey(row, event); });
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "masking__remove button--secondary";
    remove.textContent = text.remove;
    remove.addEventListener("click", function () { removeRow(row); });
    row.insertBefore(pick, row.firstChild.nextSibling);
    row.appendChild(remove);
    row.addEventListener("input", draw);
    row.addEventListener("focusin", function (event) {
      if (selected !== row && event.target.tagName === "INPUT") { select(row, false); }
    });
  }

  function freeIndex() {
    var used = rows().map(function (r) { return parseInt(r.dataset.index, 10); });
    for (var i = 0; i < max; i++) { if (used.indexOf(i) < 0) { return i; } }
    return -1;
  }

  function newRow() {
    var empty = rows().filter(function (r) { return !filled(r); })[0];
    if (empty) { return empty; }
    var index = freeIndex();
    if (index < 0) { return null; }
    var template = rows()[0];
    var row = template.cloneNode(true);
    row.dataset.index = String(index);
    row.classList.remove("masking__row--selected");
    Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
      var key = input.name.split("-").pop();
      input.name = "rect-" + index + "-" + key;
      input.value = key === "page" ? "1" : "";
    });
    Array.prototype.forEach.call(row.querySelectorAll("button"), function (b) { b.remove(); });
    list.appendChild(row);
    enhance(row);
    renumber();
    return row;
  }

  function removeRow(row) {
    var all = rows();
    var position = all.indexOf(row);
    if (all.length > 1) {
      row.remove();
    } else {
      set(row, { page: 1, x: "", y: "", w: "", h: "" });
    }
    renumber();
    var rest = rows();
    var next = rest[Math.min(position, rest.length - 1)];
    live.textContent = text.removed;
    select(null, false);
    if (next) { next.querySelector(".masking__select").focus(); }
  }

  function onKey(row, event) {
    var dx = 0, dy = 0;
    if (event.key === "ArrowLeft") { dx = -1; }
    else if (event.key === "ArrowRight") { dx = 1; }
    else if (event.key === "ArrowUp") { dy = -1; }
    else if (event.key === "ArrowDown") { dy = 1; }
    else if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); removeRow(row); return; }
    else { return; }
    event.preventDefault();
    if (selected !== row) { select(row, false); }
    if (!filled(row)) { set(row, { page: value(row, "page") || 1, x: 0, y: 0, w: 100, h: 30 }); }
    var step = event.altKey ? 1 : 10;
    if (event.shiftKey) {
      set(row, { w: value(row, "w") + dx * step, h: value(row, "h") + dy * step });
    } else {
      set(row, { x: value(row, "x") + dx * step, y: value(row, "y") + dy * step });
    }
    clamp(row);
    live.textContent = label(row) + " X " + value(row, "x") + " Y " + value(row, "y") + " " + value(row, "w") + "×" + value(row, "h");
    draw();
  }

  rows().forEach(enhance);
  renumber();

  document.getElementById("masking-add").addEventListener("click", function () {
    var row = newRow();
    if (!row) { return; }
    set(row, { page: 1, x: 0, y: 0, w: 100, h: 30 });
    clamp(row);
    live.textContent = text.added;
    select(row, true);
  });

  Array.prototype.forEach.call(form.querySelectorAll(".masking__page"), function (page) {
    var stage = page.querySelector(".masking__stage");
    var img = stage.querySelector("img");
    var start = null, row = null;
    function point(event) {
      var box = img.getBoundingClientRect();
      var scale = (parseInt(page.dataset.width, 10) || img.naturalWidth) / box.width;
      return { x: Math.round((event.clientX - box.left) * scale), y: Math.round((event.clientY - box.top) * scale) };
    }
    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      row = newRow();
      if (!row) { return; }
      event.preventDefault();
      start = point(event);
      stage.setPointerCapture(event.pointerId);
      set(row, { page: page.dataset.page, x: start.x, y: start.y, w: 1, h: 1 });
      select(row, false);
    });
    stage.addEventListener("pointermove", function (event) {
      if (!start || !row) { return; }
      var p = point(event);
      set(row, {
        x: Math.min(start.x, p.x), y: Math.min(start.y, p.y),
        w: Math.max(1, Math.abs(p.x - start.x)), h: Math.max(1, Math.abs(p.y - start.y))
      });
      clamp(row);
      draw();
    });
    stage.addEventListener("pointerup", function () {
      if (!row) { return; }
      clamp(row);
      start = null;
      select(row, true);
      row = null;
    });
  });

  window.addEventListener("resize", draw);
  Array.prototype.forEach.call(form.querySelectorAll(".masking__stage img"), function (img) {
    if (!img.complete) { img.addEventListener("load", draw); }
  });
  draw();
})();
