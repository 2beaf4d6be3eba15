/* Settings page: copy a new API token's key. No inline scripts (CSP). */
(function () {
  "use strict";
  function copied(button) {
    var label = button.querySelector("span");
    if (!label) { return; }
    var original = label.textContent;
    label.textContent = button.dataset.copiedLabel || original;
    setTimeout(function () { label.textContent = original; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var input = document.getElementById(button.dataset.copyTarget);
    if (!input) { return; }
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { copied(button); }, function () {
        document.execCommand("copy");
        copied(button);
      });
    } else {
      document.execCommand("copy");
      copied(button);
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });
})();
