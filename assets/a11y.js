/* Accessibility repairs for Dash 4.4 core components (WCAG 2.1 AA / BITV 2.0).
 *
 * - RadioItems and Checklist wrap native inputs in role="listbox"/role="option" (nested interactive controls,
 *   and aria-selected that React sets again on every change): the lists become a radiogroup/group named after
 *   their field label, the options plain labels of their native inputs.
 * - Slider thumbs, and the number boxes beside sliders on narrow screens, have no accessible name: they are named
 *   after their field label.
 * - A Dropdown is a <button tabindex="-1"> behind an aria-hidden <input> that takes the Tab focus and hands it
 *   on (for Safari). A focusable aria-hidden element is an error for screen readers, so the input leaves the tab
 *   order and the button itself becomes the tab stop (Enter, Space or Arrow Down open it; typing searches).
 * - A Dropdown's name is its value alone, its count of choices first (aria-labelledby): it becomes the field label
 *   followed by what the button shows, in the order it is seen (the button names itself).
 * - An opened Dropdown with a search field puts the focus into the search field (Dash focuses the chosen option):
 *   the first focus inside a new popup is handed to the search field by the popup's own Home key.
 * Idempotent: it only writes attributes whose value differs, so React re-renders and this observer do not loop.
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
      list.querySelectorAll(".dash-options-list-option").forEach(function (option) {
        set(option, "role", null);
        set(option, "aria-selected", null);
      });
    });
    root.querySelectorAll(".dash-slider-thumb[role=slider], input.dash-range-slider-input").forEach(function (el) {
      const name = fieldLabel(el);
      if (name) { set(el, "aria-label", name); }
    });
    root.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden=true]").forEach(function (input) {
      set(input, "tabindex", "-1");
    });
    root.querySelectorAll("button.dash-dropdown").forEach(function (button) {
      set(button, "tabindex", button.disabled ? "-1" : "0");
      const label = button.id && document.querySelector("label[for='" + button.id + "']");
      if (label) {
        if (!label.id) { label.id = button.id + "-label"; }
        set(button, "aria-labelledby", label.id + " " + button.id);  // the label, then what the button shows
      }
      // the clearing cross inside the button is for the mouse (the keyboard clears with Delete): not in the name
      button.querySelectorAll("a.dash-dropdown-clear").forEach(function (cross) { set(cross, "aria-hidden", "true"); });
    });
  }

  const opened = new WeakSet();  // dropdown popups whose first focus has been seen

  function searchFirst(e) {
    const popup = e.target.closest && e.target.closest(".dash-dropdown-content");
    if (!popup || opened.has(popup)) { return; }
    opened.add(popup);
    const search = popup.querySelector("input.dash-dropdown-search");
    if (search && e.target !== search) {
      // the popup's Home key moves its focus to the search field and keeps its own idea of the focus in step
      e.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Home", code: "Home", bubbles: true}));
    }
  }

  function start() {
    repair(document);
    new MutationObserver(function () { repair(document); })
      .observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ["role", "aria-selected", "tabindex", "aria-hidden",
                                                 "aria-labelledby"]});
    document.addEventListener("focusin", searchFirst);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
