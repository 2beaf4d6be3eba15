/* The deal form's line items (Alpine component "dealLines", CSP build: no inline expressions).

   "Add line" clones the formset's empty form and raises lines-TOTAL_FORMS; "remove" ticks the
   line's DELETE box and hides it, so the management form stays right without renumbering.
   Picking a product fills its list price when that price is in the deal's currency (another
   currency is said, never converted). Each line's total and the lines' total are computed in
   integer cents (BigInt: qty and discount in hundredths, price in cents) and rounded half to even,
   as the server's Decimal.quantize does; the server computes them again on save and is the
   authority. The amount follows the lines' total until the person types one; then the total is
   shown beside it with "Use lines total". Loaded by deal_form.html only, before Alpine starts. */
(function () {
  "use strict";

  var TEN6 = BigInt(1000000);

  // "12.5" -> 1250n (hundredths); "" -> null; anything else (or more than 2 decimals) -> NaN marker.
  function hundredths(text) {
    var value = (text || "").trim();
    if (value === "") { return null; }
    var match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(value);
    if (!match || (match[1] === "" && !match[2])) { return undefined; }
    var frac = (match[2] || "").padEnd(2, "0");
    return BigInt(match[1] || "0") * BigInt(100) + BigInt(frac);
  }

  // n / d rounded half to even (n, d >= 0).
  function divideHalfEven(n, d) {
    var q = n / d, r = n % d, twice = r * BigInt(2);
    if (twice > d || (twice === d && q % BigInt(2) === BigInt(1))) { q += BigInt(1); }
    return q;
  }

  function plain(cents) {
    var s = cents.toString().padStart(3, "0");
    return s.slice(0, -2) + "." + s.slice(-2);
  }

  function grouped(cents) {
    var s = plain(cents), whole = s.slice(0, -3), frac = s.slice(-3);
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + frac;
  }

  function register() {
    window.Alpine.data("dealLines", function () {
      return {
        totalText: "",
        showUseTotal: false,
        products: {},
        symbols: {},
        totalCents: null,

        init: function () {
          var form = this.$el;
          var data = {};
          try { data = JSON.parse(document.getElementById("deal-line-data").textContent || "{}"); } catch (e) { data = {}; }
          this.products = data.products || {};
          this.symbols = data.symbols || {};
          this.form = form;
          this.rowsBox = form.querySelector("[data-line-rows]");
          this.template = form.querySelector("template[data-line-template]");
          this.totalForms = form.querySelector('input[name="lines-TOTAL_FORMS"]');
          this.amount = form.querySelector('input[name="amount"]');
          this.manual = form.querySelector('input[name="amount_manual"]');
          this.currency = form.querySelector('select[name="currency"]');
          var self = this;
          this.rowsBox.addEventListener("change", function (event) {
            if (event.target.matches("[data-line-product]")) { self.productPicked(event.target.closest("tr")); }
            self.recalc();
          });
          this.rowsBox.addEventListener("input", function (event) {
            if (event.target.matches("[data-line-unit_price]")) { delete event.target.dataset.filled; }
            self.recalc();
          });
          if (this.currency) {
            this.currency.addEventListener("change", function () { self.currencyChanged(); });
          }
          if (this.amount) {
            this.amount.addEventListener("input", function () {
              self.setManual(self.amount.value.trim() !== "");
              self.recalc();
            });
          }
          this.recalc();
        },

        isManual: function () {
          var v = this.manual ? this.manual.value : "";
          return v === "True" || v === "true" || v === "on" || v === "1";
        },
        setManual: function (on) { if (this.manual) { this.manual.value = on ? "True" : ""; } },

        liveRows: function () {
          return Array.prototype.filter.call(this.rowsBox.querySelectorAll("tr[data-line]"), function (row) {
            var box = row.querySelector("[data-line-delete]");
            return !(box && box.checked);
          });
        },

        money: function (cents) {
          var code = this.currency ? this.currency.value : "";
          return (this.symbols[code] || (code + " ")) + grouped(cents);
        },

        format: function (template, values) {
          return (template || "").replace(/\{(\w+)\}/g, function (all, key) { return values[key] !== undefined ? values[key] : all; });
        },

        // The list price of the row's product in the deal's currency, or a note saying why not.
        priceFor: function (row) {
          var select = row.querySelector("[data-line-product]");
          var product = select ? this.products[select.value] : null;
          if (!product) { return { product: null }; }
          var deal = this.currency ? this.currency.value : product.currency;
          return { product: product, same: product.currency === deal, deal: deal };
        },

        showNote: function (row) {
          var note = row.querySelector("[data-line-note]");
          if (!note) { return; }
          var info = this.priceFor(row);
          if (!info.product || info.same) { note.textContent = ""; return; }
          var listed = (this.symbols[info.product.currency] || "") + grouped(hundredths(info.product.price)) + " " + info.product.currency;
          var price = row.querySelector("[data-line-unit_price]");
          var key = price && price.value.trim() !== "" ? "msgListPrice" : "msgOtherCurrency";
          note.textContent = this.format(this.form.dataset[key], { price: listed, currency: info.deal });
        },

        productPicked: function (row) {
          var info = this.priceFor(row);
          var price = row.querySelector("[data-line-unit_price]");
          if (price && info.product) {
            if (info.same) {
              price.value = info.product.price;
              price.dataset.filled = "1";
            } else if (price.dataset.filled || price.value.trim() === "") {
              price.value = "";
              delete price.dataset.filled;
            }
          }
          var qty = row.querySelector("[data-line-quantity]");
          if (qty && info.product && qty.value.trim() === "") { qty.value = "1"; }
        },

        currencyChanged: function () {
          var self = this;
          this.liveRows().forEach(function (row) {
            var info = self.priceFor(row);
            var price = row.querySelector("[data-line-unit_price]");
            if (!info.product || !price) { return; }
            if (!info.same && price.dataset.filled) { price.value = ""; delete price.dataset.filled; }
            if (info.same && price.value.trim() === "") { price.value = info.product.price; price.dataset.filled = "1"; }
          });
          this.recalc();
        },

        // A line's total in cents: null when the line has no product, undefined when it cannot be known.
        lineCents: function (row) {
          var info = this.priceFor(row);
          if (!info.product) { return null; }
          var q = hundredths(row.querySelector("[data-line-quantity]").value);
          var p = hundredths(row.querySelector("[data-line-unit_price]").value);
          var d = hundredths(row.querySelector("[data-line-discount_percent]").value);
          if (q === null) { q = BigInt(100); }
          if (p === null && info.same) { p = hundredths(info.product.price); }
          if (d === null) { d = BigInt(0); }
          if (q === undefined || p === undefined || p === null || d === undefined || q <= BigInt(0) || d > BigInt(10000)) { return undefined; }
          return divideHalfEven(q * p * (BigInt(10000) - d), TEN6);
        },

        recalc: function () {
          var self = this, total = BigInt(0), any = false;
          this.liveRows().forEach(function (row) {
            self.showNote(row);
            var cents = self.lineCents(row);
            var cell = row.querySelector("[data-line-total]");
            if (cents === null) { if (cell) { cell.textContent = ""; } return; }
            any = true;
            if (cents === undefined) { if (cell) { cell.textContent = "—"; } return; }
            total += cents;
            if (cell) { cell.textContent = self.money(cents); }
          });
          this.totalCents = any ? total : null;
          this.totalText = any ? this.money(total) : "";
          if (!this.amount) { return; }
          if (any && !this.isManual()) { this.amount.value = plain(total); }
          var typed = hundredths(this.amount.value);
          this.showUseTotal = any && this.isManual() && typed !== total;
        },

        addLine: function () {
          var index = parseInt(this.totalForms.value, 10) || 0;
          var max = parseInt(this.$el.dataset.max || "1000", 10);
          if (index >= max) { return; }
          var holder = document.createElement("tbody");
          holder.innerHTML = this.template.innerHTML.replace(/__prefix__/g, String(index));
          var row = holder.querySelector("tr");
          this.rowsBox.appendChild(row);
          this.totalForms.value = String(index + 1);
          var select = row.querySelector("[data-line-product]");
          if (select) { select.focus(); }
        },

        removeLine: function (event) {
          var row = event.target.closest("tr");
          var box = row.querySelector("[data-line-delete]");
          if (box) { box.checked = true; }
          row.hidden = true;
          this.recalc();
          var next = this.form.querySelector("[data-add-line]");
          if (next) { next.focus(); }
        },

        useLinesTotal: function () {
          this.setManual(false);
          this.recalc();
        }
      };
    });
  }

  if (window.Alpine) { register(); } else { document.addEventListener("alpine:init", register); }
})();
