/* The score sheet (附件2): save as you go, and a live total over the whole sheet (issue 18).
 *
 * Each indicator's row is its own form. When a field changes, the sheet's edited rows are posted
 * together to …/sheet/preview, where the server's rubric engine scores the whole sheet with them
 * (the derived indicators 16–22 included): the total, the subtotals and every row's score follow.
 * A changed row the preview accepts is then saved by posting its form for a JSON answer, so the
 * page stays and no other row's input is lost; a refused row says why and is not saved. The row's
 * “保存” button saves at once. Leaving the page with unsaved changes asks first. Without JavaScript
 * each row's button posts the row as before.
 */
(function () {
  "use strict";

  var sheet = document.querySelector(".js-sheet");
  if (!sheet) { return; }
  var rows = [];
  var previewTimer = null;
  var previewSequence = 0;
  var active = null;  // the row being saved
  var queue = [];  // rows waiting for it

  function serialise(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "version") { pairs.push(name + "=" + value); }
    });
    return pairs.join("&");
  }

  function dirty(row) { return serialise(row.form) !== row.saved; }

  function unsaved() {
    return rows.some(function (row) { return row.busy || dirty(row); });
  }

  function saving() { return active !== null || queue.length > 0; }

  function csrfToken(form) {
    var token = form.querySelector("input[name=csrf_token]");
    return token ? token.value : "";
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  // ------------------------------------------------------------------------------ what the page shows

  function setState(row, text, tone) {
    var status = row.form.querySelector(".js-save-state");
    if (!status) { return; }
    status.textContent = text;
    status.className = "small js-save-state text-" + (tone || "muted");
  }

  function describe(errors) {
    return (errors || []).map(function (pair) {
      return (pair[0] ? pair[0] + "：" : "") + pair[1];
    }).join("；");
  }

  function markInvalid(row, names) {
    row.form.querySelectorAll(".is-invalid").forEach(function (input) { input.classList.remove("is-invalid"); });
    (names || []).forEach(function (name) {
      var input = row.form.querySelector("[name='" + name.replace(/'/g, "") + "']");
      if (input) { input.classList.add("is-invalid"); }
    });
  }

  function showSheetState() {
    var line = document.querySelector(".js-sheet-state");
    if (!line) { return; }
    var waiting = rows.filter(function (row) { return row.busy || dirty(row); });
    line.textContent = waiting.length === 0 ? "所有修改均已保存。" :
      "有" + waiting.length + "项指标的修改尚未保存：" +
      waiting.map(function (row) { return "指标" + row.id; }).join("、") + "。";
    line.className = "mb-1 small js-sheet-state text-" + (waiting.length ? "warning-emphasis" : "success");
  }

  function setGroups(attribute, scores) {
    document.querySelectorAll("[data-" + attribute + "]").forEach(function (cell) {
      var name = cell.getAttribute("data-" + attribute);
      if (Object.prototype.hasOwnProperty.call(scores, name)) { cell.textContent = scores[name]; }
    });
  }

  function showIndicator(ident, one) {
    var row = document.getElementById("i" + ident);
    var score = document.getElementById("score-" + ident);
    var explanation = document.getElementById("explanation-" + ident);
    var pending = one.text === "未评";
    if (score) { score.textContent = one.text; score.classList.toggle("score-null", pending); }
    if (explanation) { explanation.textContent = one.explanation; }
    if (!row) { return; }
    row.classList.toggle("table-warning", pending);
    var pendingBadge = row.querySelector(".js-pending-badge");
    var overrideBadge = row.querySelector(".js-override-badge");
    if (pendingBadge) { pendingBadge.hidden = !pending; }
    if (overrideBadge) { overrideBadge.hidden = !one.overridden; }
  }

  function badge(tone, text) {
    var element = document.createElement("span");
    element.className = "badge text-bg-" + tone;
    element.textContent = text;
    return element;
  }

  function showPending(pending) {
    var summary = document.querySelector(".js-pending-summary");
    if (!summary) { return; }
    summary.textContent = "";
    if (pending.length === 0) { summary.appendChild(badge("success", "全部指标已评")); return; }
    summary.appendChild(badge("warning", "未评 " + pending.length + " 项"));
    var links = document.createElement("span");
    links.className = "small ms-1";
    pending.forEach(function (ident, index) {
      var link = document.createElement("a");
      link.href = "#i" + ident;
      link.textContent = "指标" + ident;
      if (index > 0) { links.appendChild(document.createTextNode("、")); }
      links.appendChild(link);
    });
    summary.appendChild(links);
  }

  function showScore(data) {
    document.querySelectorAll(".js-total").forEach(function (element) { element.textContent = data.total; });
    setGroups("level1", data.level1);
    setGroups("level2", data.level2);
    Object.keys(data.indicators).forEach(function (ident) { showIndicator(ident, data.indicators[ident]); });
    showPending(data.pending);
    var note = document.querySelector(".js-total-note");
    if (note) {
      note.textContent = data.excluded.length === 0 ? "" : "（未计入有误的修改：" +
        data.excluded.map(function (ident) { return "指标" + ident; }).join("、") + "，按已保存的计算）";
    }
  }

  // ------------------------------------------------------------------------------ the whole sheet's preview

  function previewBody() {
    var body = new FormData();
    rows.forEach(function (row) {
      if (!dirty(row)) { return; }
      body.append("indicator", row.id);
      new FormData(row.form).forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "version" && name !== "indicator") {
          body.append("f" + row.id + "-" + name, value);
        }
      });
    });
    return body;
  }

  function afterPreview(data) {
    showScore(data);
    rows.forEach(function (row) {
      var errors = data.errors[String(row.id)];
      if (errors) {
        row.refused = true;
        setState(row, "未保存：" + describe(errors), "danger");
        return;
      }
      row.refused = false;
      if (dirty(row) && !row.busy && !row.held) {
        if (row.wantSave) { save(row); } else { setState(row, "有未保存的修改", "warning-emphasis"); }
      }
    });
    showSheetState();
  }

  function preview() {
    var sequence = ++previewSequence;
    post(sheet.getAttribute("data-preview-url"), previewBody(), csrfToken(rows[0].form)).then(function (result) {
      if (sequence !== previewSequence) { return; }  // a newer preview is on its way
      if (result.status === 200 && result.data.ok) { afterPreview(result.data); return; }
      var message = result.data && result.data.error ? result.data.error.message : result.data.message;
      rows.filter(dirty).forEach(function (row) { setState(row, "暂时无法计算得分：" + message, "danger"); });
    }).catch(function () {
      rows.filter(dirty).forEach(function (row) {
        setState(row, "暂时无法计算得分（网络），修改尚未保存", "danger");
      });
    });
  }

  function schedulePreview() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(preview, 300);
  }

  // ------------------------------------------------------------------------------ saving one row

  function saved(row, sent, data) {
    row.saved = sent;
    row.refused = false;
    row.form.querySelector("input[name=version]").value = data.version;
    markInvalid(row, []);
    var time = new Date().toTimeString().slice(0, 5);
    setState(row, dirty(row) ? "有未保存的修改" : "已保存（" + time + "）", dirty(row) ? "warning-emphasis" : "success");
  }

  function refused(row, data) {
    row.refused = true;
    markInvalid(row, data.invalid);
    if (data.conflict) {
      // Someone saved this row first: keep the user's input, and let an explicit “保存” overwrite.
      row.held = true;
      row.form.querySelector("input[name=version]").value = data.version;
      setState(row, "数据冲突：" + data.message, "danger");
      return;
    }
    var errors = describe(data.errors);
    setState(row, (data.message || "未保存") + (errors ? " " + errors : ""), "danger");
    if (!data.errors || data.errors.length === 0) { row.held = true; }  // locked, closed, no right: no retries
  }

  // One save at a time for the whole sheet: the first rows saved also create the sheet, and two
  // such saves at once would collide.
  function save(row) {
    if (active) {
      row.wantSave = true;
      if (queue.indexOf(row) < 0 && active !== row) { queue.push(row); setState(row, "等待保存…", "muted"); }
      return;
    }
    active = row;
    var sent = serialise(row.form);
    row.busy = true;
    row.wantSave = false;
    setState(row, "正在保存…", "muted");
    showSheetState();
    post(row.form.getAttribute("action").split("#")[0], new FormData(row.form), csrfToken(row.form))
      .then(function (result) {
        if (result.data && result.data.ok) { saved(row, sent, result.data); } else { refused(row, result.data || {}); }
      }).catch(function () {
        row.wantSave = true;
        setState(row, "保存失败（网络中断），修改尚未保存；请稍后点击“保存指标" + row.id + "”重试", "danger");
      }).then(function () {
        row.busy = false;
        active = null;
        if (row.wantSave && dirty(row) && !row.held) { queue.push(row); }
        var next = queue.shift();
        while (next && (!dirty(next) || next.held)) { next = queue.shift(); }
        if (next) { save(next); return; }
        schedulePreview();
        showSheetState();
      });
  }

  // ------------------------------------------------------------------------------ wiring

  function watch(form) {
    var row = { id: Number(form.getAttribute("data-indicator")), form: form, busy: false,
                wantSave: false, held: false, refused: false };
    row.saved = form.getAttribute("data-unsaved") === "1" ? null : serialise(form);  // refused input: unsaved
    form.addEventListener("input", function () {
      setState(row, "有未保存的修改", "warning-emphasis");
      schedulePreview();
    });
    form.addEventListener("change", function () { row.wantSave = true; schedulePreview(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      row.held = false;
      save(row);
    });
    rows.push(row);
  }

  document.querySelectorAll("form.js-facts").forEach(function (form) {
    var fieldset = form.querySelector("fieldset");
    if (!fieldset || !fieldset.disabled) { watch(form); }
  });
  if (rows.length === 0) { return; }

  // Another form of the page (提交审核, evidence…) leaves the page: first finish the saves that can
  // succeed; whatever is still unsaved then makes the browser ask before leaving.
  function flushThenSubmit(form) {
    rows.forEach(function (row) { if (dirty(row) && !row.held && !row.refused) { save(row); } });
    var waited = 0;
    (function wait() {
      if (saving() && waited < 10000) {
        waited += 100;
        window.setTimeout(wait, 100);
        return;
      }
      form.submit();
    }());
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.classList.contains("js-facts") || !unsaved()) { return; }
    event.preventDefault();
    flushThenSubmit(form);
  });

  window.addEventListener("beforeunload", function (event) {
    if (!unsaved()) { return; }
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own “leave the page?” question
  });
}());
