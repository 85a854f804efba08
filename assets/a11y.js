/* Accessibility repairs for Dash 4.4 core components (WCAG 2.1 AA / BITV 2.0).
 *
 * Dash 4.4's RadioItems and Checklist wrap native inputs in role="listbox"/role="option" (nested
 * interactive controls), its Slider thumbs have no accessible name, and its Dropdown keeps an
 * aria-hidden input in the tab order. Until upstream fixes these, this observer repairs the DOM:
 * the native inputs keep their labels, slider thumbs are named after their field label, and the hidden
 * focus target leaves the tab order (the dropdown's button stays focusable). Idempotent: it only writes
 * attributes whose value differs, so React re-renders and this observer do not loop.
 */
(function () {
  "use strict";

  function set(el, name, value) {
    if (value === null) {
      if (el.hasAttribute(name)) { el.removeAttribute(name); }
    } else if (el.getAttribute(name) !== value) {
      el.setAttribute(name, value);
    }
  }

  function fieldLabel(el) {
    const field = el.closest(".field");
    const label = field && field.querySelector(".field-label");
    return label ? label.textContent.trim() : null;
  }

  function repair(root) {
    root.querySelectorAll(".dash-radioitems, .dash-checklist").forEach(function (list) {
      set(list, "role", list.classList.contains("dash-radioitems") ? "radiogroup" : "group");
      const name = fieldLabel(list);
      if (name) { set(list, "aria-label", name); }
      list.querySelectorAll("[role=option]").forEach(function (option) {
        set(option, "role", null);
        set(option, "aria-selected", null);
      });
    });
    root.querySelectorAll(".dash-slider-thumb[role=slider]").forEach(function (thumb) {
      const name = fieldLabel(thumb);
      if (name) { set(thumb, "aria-label", name); }
    });
    root.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden=true]").forEach(function (input) {
      set(input, "tabindex", "-1");
    });
  }

  function start() {
    repair(document);
    new MutationObserver(function () { repair(document); })
      .observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ["role", "aria-selected", "tabindex", "aria-hidden"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
