/* Live scores on the score sheet (附件2).
 *
 * While an evaluator edits one indicator's form, the form is posted to …/sheet/preview, where the
 * server's own rubric engine scores the whole sheet with that unsaved input; the row's score and
 * 赋分说明, the level-2 and level-1 subtotals and the total are updated in place. Nothing is saved
 * until the row's “保存” button is pressed; without JavaScript the page works the same, minus this.
 */
(function () {
  "use strict";

  function pointsText(value) {
    return value === null || value === undefined ? "未评" : String(value);
  }

  function setText(elements, value) {
    elements.forEach(function (element) { element.textContent = value; });
  }

  function setGroups(attribute, scores) {
    document.querySelectorAll("[data-" + attribute + "]").forEach(function (cell) {
      var name = cell.getAttribute("data-" + attribute);
      if (Object.prototype.hasOwnProperty.call(scores, name)) {
        cell.textContent = pointsText(scores[name]);
      }
    });
  }

  function setStatus(form, message, failed) {
    var status = form.querySelector(".js-preview");
    if (!status) { return; }
    status.textContent = message;
    status.classList.toggle("text-danger", failed);
    status.classList.toggle("text-muted", !failed);
  }

  function show(form, data) {
    var indicator = data.indicator;
    setText(document.querySelectorAll(".js-total"), pointsText(data.total));
    setGroups("level1", data.level1);
    setGroups("level2", data.level2);
    setText(document.querySelectorAll("#score-" + indicator.id), indicator.text);
    setText(document.querySelectorAll("#explanation-" + indicator.id), indicator.explanation);
    setStatus(form, "预览得分 " + indicator.text + "（尚未保存，请点击“保存”）", false);
  }

  function describe(data) {
    if (data && data.errors) {
      return data.errors.map(function (pair) {
        return (pair[0] && pair[0] !== "_" ? pair[0] + "：" : "") + pair[1];
      }).join("；");
    }
    if (data && data.error) { return data.error.message; }
    return "无法预览";
  }

  function preview(form) {
    var token = form.querySelector("input[name=csrf_token]");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok && result.data.ok) {
        show(form, result.data);
      } else {
        setStatus(form, "未保存：" + describe(result.data), true);
      }
    }).catch(function () {
      setStatus(form, "暂时无法预览得分（不影响保存）", true);
    });
  }

  document.querySelectorAll("form.js-facts").forEach(function (form) {
    var fieldset = form.querySelector("fieldset");
    if (fieldset && fieldset.disabled) { return; }
    var timer = null;
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { preview(form); }, 300);
    }
    form.addEventListener("change", schedule);
    form.addEventListener("input", schedule);
  });
}());
