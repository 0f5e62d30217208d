// Guarantor desk: the few things pages do with script. No inline script anywhere (the
// Content-Security-Policy is default-src 'self'); every action goes to the JSON API with
// the CSRF token of the guarantor_csrf cookie in the X-CSRF-Token header.
(function () {
  "use strict";

  var STATUS_KEY = "guarantor.status";

  function csrfToken() {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === "guarantor_csrf") {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return "";
  }

  function say(text, isError) {
    var box = document.getElementById("status");
    if (!box) { return; }
    box.textContent = text;
    box.className = isError ? "status error" : "status ok";
    if (isError) { box.setAttribute("role", "alert"); }
  }

  function words(text) {
    return (text || "").split(/[\s,]+/).filter(function (w) { return w.length > 0; });
  }

  function withReason(body, data) {
    var reason = (data.get("reason") || "").toString().trim();
    if (reason) { body.reason = reason; }
    return body;
  }

  function bodyOf(form) {
    var data = new FormData(form);
    var shape = form.getAttribute("data-shape");
    if (shape === "merge") {
      var ids = [form.getAttribute("data-incident")].concat(words(data.get("others")));
      return withReason({ incident_ids: ids }, data);
    }
    if (shape === "split") {
      var picked = data.getAll("split").map(String);
      var rest = [];
      document.querySelectorAll("input[name=split]").forEach(function (box) {
        if (!box.checked) { rest.push(box.value); }
      });
      if (picked.length === 0 || rest.length === 0) {
        throw new Error("tick at least one member report to split off, and leave at least one");
      }
      return withReason({ report_keys: picked }, data);
    }
    return withReason({}, data);
  }

  function explain(envelope, status) {
    var error = envelope && envelope.error;
    if (!error) { return "the server answered " + status; }
    var text = error.message;
    (error.problems || []).forEach(function (p) {
      text += " " + p.location + ": expected " + p.expected + "; fix: " + p.fix + ".";
    });
    return text;
  }

  function nextPage(answer) {
    var ids = answer && answer.incident_ids;
    if (Array.isArray(ids) && ids.length > 0 && document.getElementById("members")) {
      var first = typeof ids[0] === "string" ? ids[0] : ids[0].incident_id;
      if (first) { return "/incidents/" + encodeURIComponent(first); }
    }
    return window.location.href;
  }

  function submit(event) {
    var form = event.currentTarget;
    event.preventDefault();
    var body;
    try {
      body = bodyOf(form);
    } catch (problem) {
      say(problem.message, true);
      return;
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("data-endpoint"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!response.ok) { throw new Error(explain(answer, response.status)); }
        try {
          window.sessionStorage.setItem(STATUS_KEY, form.getAttribute("data-done") || "Done.");
        } catch (ignored) { /* storage off: the page still reloads */ }
        var target = nextPage(answer);
        if (target === window.location.href) { window.location.reload(); }
        else { window.location.assign(target); }
      });
    }).catch(function (problem) {
      buttons.forEach(function (b) { b.disabled = false; });
      say(problem.message, true);
    });
  }

  function openIncident(event) {
    var target = event.target;
    var id = target && target.getAttribute ? target.getAttribute("data-incident") : null;
    if (id) { window.location.assign("/incidents/" + encodeURIComponent(id)); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg.map").forEach(function (map) {
      map.addEventListener("click", openIncident);
    });
    document.querySelectorAll("form.api-form").forEach(function (form) {
      form.addEventListener("submit", submit);
    });
    try {
      var done = window.sessionStorage.getItem(STATUS_KEY);
      if (done) {
        window.sessionStorage.removeItem(STATUS_KEY);
        say(done, false);
      }
    } catch (ignored) { /* storage off */ }
  });
}());
