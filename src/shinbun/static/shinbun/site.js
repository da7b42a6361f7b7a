// shinbun: the one small script. Pages work without it; it adds copy-to-clipboard
// with visible feedback and the print button of the print view.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var lang = document.documentElement.lang || "ja";
  var texts = lang === "en"
    ? { copied: "Link copied", failed: "Could not copy. Please copy the address shown." }
    : { copied: "リンクをコピーしました", failed: "コピーできませんでした。表示されたURLをコピーしてください。" };

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button.copy-link").forEach(function (button) {
      button.hidden = false;
      var bar = button.closest(".action-bar");
      var status = bar && bar.querySelector(".copy-status");
      button.addEventListener("click", function () {
        copy(button.getAttribute("data-copy")).then(function () {
          if (status) { status.textContent = texts.copied; }
          button.classList.add("copied");
        }, function () {
          if (status) { status.textContent = texts.failed; }
          var fallback = bar && bar.querySelector(".copy-fallback");
          if (fallback) { fallback.style.display = "inline"; }
        });
        window.setTimeout(function () {
          if (status) { status.textContent = ""; }
          button.classList.remove("copied");
        }, 4000);
      });
    });
    document.querySelectorAll("button.print-now").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
