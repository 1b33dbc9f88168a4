// A small offline date picker that knows the working-day calendar (issue 18): every <input type="date">
// gets a 日历 button opening a month grid with holidays, make-up working days and weekends coloured as on
// the admin calendar page, and a line under the field naming the chosen day ("国庆节（放假）").
// The days come from /calendar/<year>.json (this app, no network); the native input keeps working.
(function () {
  "use strict";
  var years = {};  // year → Promise of {days: {iso: [kind, name]}, provisional}
  var WEEK = ["一", "二", "三", "四", "五", "六", "日"];
  var OFF = {weekend: "休息日", holiday: "放假", override_holiday: "放假（管理员调整）",
             makeup_workday: "调休上班", override_workday: "上班（管理员调整）"};

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function iso(y, m, d) { return y + "-" + pad(m) + "-" + pad(d); }

  function yearDays(year) {
    if (!years[year]) {
      years[year] = fetch("/calendar/" + year + ".json", {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {days: {}}; })
        .catch(function () { return {days: {}}; });
    }
    return years[year];
  }

  function describe(input, hint) {
    var value = input.value;
    hint.textContent = "";
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) { return; }
    yearDays(value.slice(0, 4)).then(function (data) {
      var day = data.days[value];
      if (day) { hint.textContent = (day[1] || "") + "（" + (OFF[day[0]] || day[0]) + "）"; }
      if (data.provisional) { hint.textContent += " 该年放假安排尚未录入，为暂定"; }
      hint.className = "form-text datepicker-hint" + (day ? " cal-day-" + day[0] : "");
    });
  }

  function draw(box, input, y, m) {
    yearDays(y).then(function (data) {
      var first = new Date(y, m - 1, 1), count = new Date(y, m, 0).getDate();
      var html = '<div class="d-flex justify-content-between align-items-center mb-1">' +
        '<button type="button" class="btn btn-sm btn-link" data-step="-1" aria-label="上个月">‹</button>' +
        "<strong>" + y + "年" + m + "月</strong>" +
        '<button type="button" class="btn btn-sm btn-link" data-step="1" aria-label="下个月">›</button></div>' +
        '<table class="table table-bordered table-sm mb-0"><thead><tr>';
      WEEK.forEach(function (w) { html += "<th>" + w + "</th>"; });
      html += "</tr></thead><tbody><tr>" + new Array((first.getDay() + 6) % 7 + 1).join("<td></td>");
      for (var d = 1; d <= count; d++) {
        var key = iso(y, m, d), info = data.days[key] || ["workday", ""];
        html += '<td class="cal-day-' + info[0] + (key === input.value ? " datepicker-chosen" : "") +
          '" data-day="' + key + '" title="' + (info[1] || "") + '">' + d + "</td>";
        if ((new Date(y, m - 1, d).getDay()) === 0 && d < count) { html += "</tr><tr>"; }
      }
      box.innerHTML = html + "</tr></tbody></table>";
      box.setAttribute("data-month", y + "-" + m);
    });
  }

  function attach(input) {
    var hint = document.createElement("div"), box = document.createElement("div"),
        button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary datepicker-open";
    button.textContent = "日历";
    box.className = "tracker-datepicker cal-month shadow-sm";
    box.hidden = true;
    input.insertAdjacentElement("afterend", hint);
    input.insertAdjacentElement("afterend", box);
    input.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () {
      var base = /^\d{4}-\d{2}/.test(input.value) ? input.value : new Date().toISOString();
      box.hidden = !box.hidden;
      if (!box.hidden) { draw(box, input, +base.slice(0, 4), +base.slice(5, 7)); }
    });
    box.addEventListener("click", function (event) {
      var target = event.target, step = target.getAttribute("data-step"), day = target.getAttribute("data-day");
      var shown = (box.getAttribute("data-month") || "").split("-");
      if (step) {
        var month = +shown[1] + (+step), year = +shown[0];
        if (month < 1) { month = 12; year -= 1; } else if (month > 12) { month = 1; year += 1; }
        draw(box, input, year, month);
      } else if (day) {
        input.value = day;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        box.hidden = true;
      }
    });
    input.addEventListener("change", function () { describe(input, hint); });
    describe(input, hint);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll(".tracker-datepicker").forEach(function (box) { box.hidden = true; });
    }
  });
  document.querySelectorAll('input[type="date"]').forEach(attach);
})();
