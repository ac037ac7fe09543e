// Polls the JSON progress endpoint of a sync run or a document batch and moves its bar; reloads once it is done.
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector(".bar > span");
    var text = box.querySelector("[data-progress-label]");
    var interval = parseInt(box.getAttribute("data-interval") || "1000", 10);
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (bar) { bar.style.width = data.percent + "%"; }
          box.setAttribute("aria-valuenow", data.percent);
          if (text) { text.textContent = data.label; }
          if (data.done) { window.location.reload(); } else { window.setTimeout(tick, interval); }
        })
        .catch(function () {
          if (text) { text.textContent = "Lost contact with the server; retrying…"; }
          window.setTimeout(tick, interval * 3);
        });
    }
    window.setTimeout(tick, interval);
  }
  document.querySelectorAll("[data-progress-url]").forEach(poll);
})();
