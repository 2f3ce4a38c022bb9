// The dashboard's one script: it adds the signed-in key's API calls to
// "Recent API calls" as they are answered, from GET /sandbox/dashboard/logs
// (Server-Sent Events; each event carries the rows the page itself would
// render). It only puts text in cells. Without it the page still shows the
// calls as of its loading.
"use strict";
(function () {
  var body = document.getElementById("live-calls");
  if (!body || !window.EventSource) {
    return;
  }
  var stream = new EventSource("/sandbox/dashboard/logs");
  stream.addEventListener("rows", function (ev) {
    var rows = JSON.parse(ev.data) || [];
    for (var i = rows.length - 1; i >= 0; i--) {
      var r = rows[i];
      var tr = document.createElement("tr");
      if (r.Failed) {
        tr.className = "failed";
      }
      var at = document.createElement("td");
      at.className = "at";
      at.textContent = r.At;
      var what = document.createElement("td");
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = r.Kind + (r.Failed ? " (failed)" : "");
      what.appendChild(kind);
      what.appendChild(document.createTextNode(" " + r.Summary));
      tr.appendChild(at);
      tr.appendChild(what);
      body.insertBefore(tr, body.firstChild);
    }
    while (body.rows.length > 100) {
      body.deleteRow(-1);
    }
    var none = document.getElementById("no-calls");
    if (none) {
      none.remove();
    }
  });
})();
