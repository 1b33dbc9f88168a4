// Forms that delete, void, archive or sign ask first: <form data-confirm="确定删除？">.
// Without JavaScript the form still works; the server records every such action in the audit log.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
