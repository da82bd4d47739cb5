/* Pulih — small progressive enhancements. Plain ES2017, no framework, CSP-safe:
   no inline handlers, no eval. Listeners are delegated on document, so widgets that
   HTMX inserts later work without re-initialisation. */
(function () {
  "use strict";

  /* ---- Region picker --------------------------------------------------------------
     Markup (regions/widgets/region_picker.html):
       [data-region-picker]
         input[type=hidden][data-region-code]   the submitted Kemendagri code
         input[data-region-search]               the visible text; HTMX fetches options
         ul.region-options[role=listbox]         li[data-code][data-label] options */

  function pickerOf(element) {
    return element && element.closest ? element.closest("[data-region-picker]") : null;
  }

  function parts(picker) {
    return {
      code: picker.querySelector("[data-region-code]"),
      search: picker.querySelector("[data-region-search]"),
      list: picker.querySelector(".region-options"),
    };
  }

  function options(picker) {
    return Array.prototype.slice.call(parts(picker).list.querySelectorAll("li[data-code]"));
  }

  function isOpen(picker) {
    return parts(picker).list.children.length > 0;
  }

  function close(picker) {
    var p = parts(picker);
    p.list.innerHTML = "";
    p.search.setAttribute("aria-expanded", "false");
    p.search.removeAttribute("aria-activedescendant");
  }

  function setCode(picker, code) {
    var input = parts(picker).code;
    if (input.value === code) return;
    input.value = code;
    // Hidden inputs fire no events of their own; tell the form (e.g. HTMX filters) it changed.
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(picker, option) {
    var p = parts(picker);
    // A search still in flight must not reopen the list after the choice.
    if (window.htmx) window.htmx.trigger(p.search, "htmx:abort");
    p.search.value = option.getAttribute("data-label") || "";
    setCode(picker, option.getAttribute("data-code") || "");
    close(picker);
    p.search.focus();
  }

  function highlight(picker, index) {
    var all = options(picker);
    var search = parts(picker).search;
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var current = all[index];
    if (current) {
      if (current.id) search.setAttribute("aria-activedescendant", current.id);
      if (current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }

  function selectedIndex(picker) {
    return options(picker).findIndex(function (option) {
      return option.getAttribute("aria-selected") === "true";
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var option = target.closest ? target.closest(".region-options li[data-code]") : null;
    var picker = pickerOf(option);
    if (option && picker) {
      event.preventDefault();
      choose(picker, option);
      return;
    }
    // A click anywhere outside a picker closes its list.
    document.querySelectorAll("[data-region-picker]").forEach(function (other) {
      if (!other.contains(target) && isOpen(other)) close(other);
    });
  });

  document.addEventListener("keydown", function (event) {
    var search = event.target;
    if (!search.matches || !search.matches("[data-region-search]")) return;
    var picker = pickerOf(search);
    if (!picker) return;
    var all = options(picker);
    var index = selectedIndex(picker);
    switch (event.key) {
      case "ArrowDown":
        if (!all.length) return;
        event.preventDefault();
        highlight(picker, index < all.length - 1 ? index + 1 : 0);
        break;
      case "ArrowUp":
        if (!all.length) return;
        event.preventDefault();
        highlight(picker, index > 0 ? index - 1 : all.length - 1);
        break;
      case "Enter":
        // Enter chooses; it never submits the form while the list is open.
        if (!isOpen(picker)) return;
        event.preventDefault();
        if (index >= 0) choose(picker, all[index]);
        else if (all.length === 1) choose(picker, all[0]);
        break;
      case "Escape":
        if (!isOpen(picker)) return;
        // Keep the typed text (a search input clears itself on Escape by default).
        event.preventDefault();
        close(picker);
        break;
      default:
    }
  });

  document.addEventListener("input", function (event) {
    var search = event.target;
    if (!search.matches || !search.matches("[data-region-search]")) return;
    var picker = pickerOf(search);
    // Edited text no longer names the chosen region: never submit a stale code.
    if (picker) setCode(picker, "");
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var search = event.detail && event.detail.elt;
    if (!search || !search.matches || !search.matches("[data-region-search]")) return;
    var picker = pickerOf(search);
    // A region is chosen and the text not edited since (a typing delay that ran out after
    // the click, or Enter in the search box): nothing to look up.
    if (picker && parts(picker).code.value) event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail && event.detail.target;
    if (!list || !list.matches || !list.matches(".region-options")) return;
    var picker = pickerOf(list);
    if (!picker) return;
    // An empty answer leaves the list truly empty, so CSS :empty hides it.
    if (!list.children.length) list.innerHTML = "";
    var search = parts(picker).search;
    search.setAttribute("aria-expanded", list.children.length ? "true" : "false");
    search.removeAttribute("aria-activedescendant");
  });
})();
