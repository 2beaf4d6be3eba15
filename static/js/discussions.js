/* Comments: the @mention picker (Alpine, CSP build: no expressions in the markup).
   Typing "@" and a few letters in a comment box asks /api/v1/mention-candidates/ for at most ten
   people and five teams; picking one puts "@username" or "@[Team name]" into the text. */
(function () {
  "use strict";
  var AT = /(^|\s)@(\[?[^\s@\]]{0,30})$/;

  function register(Alpine) {
    Alpine.data("mentionPicker", function () {
      return {
        open: false,
        items: [],
        start: -1,
        timer: null,
        search: function () {
          var box = this.$refs.box;
          var before = box.value.slice(0, box.selectionStart);
          var match = AT.exec(before);
          var self = this;
          if (!match) { this.open = false; return; }
          this.start = box.selectionStart - match[2].length - 1;
          var url = this.$el.getAttribute("data-candidates-url") || this.$root.getAttribute("data-candidates-url");
          var query = match[2].replace(/^\[/, "");
          clearTimeout(this.timer);
          this.timer = setTimeout(function () {
            fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", headers: { Accept: "application/json" } })
              .then(function (r) { return r.ok ? r.json() : { people: [], teams: [] }; })
              .then(function (data) {
                var items = [];
                data.people.forEach(function (p) {
                  items.push({ key: "u" + p.id, token: "@" + p.username + " ", label: p.display_name + "  @" + p.username });
                });
                data.teams.forEach(function (t) {
                  items.push({ key: "t" + t.id, token: "@[" + t.name + "] ", label: "👥 " + t.name });
                });
                self.items = items;
                self.open = items.length > 0;
              });
          }, 150);
        },
        key: function (event) {
          if (event.key === "Escape") { this.open = false; }
          if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
            event.preventDefault();
            var form = this.$refs.box.form;
            if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
          }
        },
        pick: function (event) {
          var token = event.currentTarget.getAttribute("data-token");
          var box = this.$refs.box;
          var end = box.selectionStart;
          box.value = box.value.slice(0, this.start) + token + box.value.slice(end);
          var caret = this.start + token.length;
          box.focus();
          box.setSelectionRange(caret, caret);
          this.open = false;
        }
      };
    });
  }

  if (window.Alpine) { register(window.Alpine); } else {
    document.addEventListener("alpine:init", function () { register(window.Alpine); });
  }
})();
