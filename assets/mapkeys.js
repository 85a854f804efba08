/* The map by keyboard: one tab stop, the areas in a documented order, what the keyboard is on said aloud.
 *
 * The map's container is the only tab stop of the map (assets/map.js keeps Leaflet from making each area one).
 * While it has the focus:
 *   - arrow keys go to the nearest area in the arrow's direction: the nearest whose centre (of its bounding box)
 *     lies within 45° of that direction; at the edge of such areas, the nearest further that way at all;
 *   - Page Down / Page Up go to the next / previous area by name (the page's language's alphabetical order,
 *     then the area id), Home / End to the first / last;
 *   - the first of these keys starts at the area nearest the map's centre (Home and End at the ends);
 *   - Enter or Space selects or deselects the area (as a click does), Escape leaves the area;
 *   - + and − zoom and Shift+arrow moves the map (Leaflet's own keys; its zoom buttons get the page's language).
 * The area gets the page's focus colour as outline and its tooltip; its name and the tooltip's line (value and
 * rank, or why there is none) go to the live region under the map (ids.MAP_ANNOUNCE), which screen readers read
 * out. The map stays in view of the area. The table view offers the same values to anyone who prefers a table.
 */
(function () {
  "use strict";
  const ANNOUNCE = "map-announce";  // as layouts/ids.py MAP_ANNOUNCE
  const HELP = "map-keys-help";     // ids.MAP_KEYS_HELP
  const TITLE = "map-title";        // ids.MAP_TITLE
  const SELECTED = "selected-areas";  // ids.SELECTED
  const MAX_SELECTED = 12;          // as sozialmonitor/view.py
  const ARROWS = {ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]};

  let leaflet = null;  // the Leaflet map
  let order = null;    // per geometry: centres and the order by name
  let at = null;       // the feature index the keyboard is on

  const ns = window.sozialmonitor = window.sozialmonitor || {};

  function areas() {
    const now = ns.map && ns.map.areas();
    if (!now || !leaflet) { return null; }
    if (!order || order.geo !== now.geo) {
      const layers = now.layers;
      const x = new Float64Array(layers.length).fill(NaN);
      const y = new Float64Array(layers.length).fill(NaN);
      const scale = Math.cos(leaflet.getCenter().lat * Math.PI / 180);  // degrees of longitude are shorter
      const present = [];
      layers.forEach(function (layer, i) {
        if (!layer) { return; }
        const c = layer.getBounds().getCenter();
        x[i] = c.lng * scale;
        y[i] = c.lat;
        present.push(i);
      });
      const lang = document.documentElement.lang || "de";
      const props = function (i) { return layers[i].feature.properties; };
      const byName = present.sort(function (a, b) {
        return props(a).name.localeCompare(props(b).name, lang) || String(props(a).id).localeCompare(props(b).id);
      });
      const position = new Map(byName.map(function (i, k) { return [i, k]; }));
      order = {geo: now.geo, x: x, y: y, byName: byName, position: position};
      at = null;
    }
    return now;
  }

  function nearestToCentre() {
    const c = leaflet.getCenter();
    const cx = c.lng * Math.cos(c.lat * Math.PI / 180);
    let best = null;
    let bestD = Infinity;
    order.byName.forEach(function (j) {
      const d = (order.x[j] - cx) ** 2 + (order.y[j] - c.lat) ** 2;
      if (d < bestD) { bestD = d; best = j; }
    });
    return best;
  }

  function inDirection(from, dx, dy) {
    const x = order.x;
    const y = order.y;
    let best = null;
    let bestD = Infinity;
    let further = null;
    let furtherD = Infinity;
    order.byName.forEach(function (j) {
      if (j === from) { return; }
      const vx = x[j] - x[from];
      const vy = y[j] - y[from];
      const along = vx * dx + vy * dy;
      if (!(along > 0)) { return; }
      const across = Math.abs(vx * dy - vy * dx);
      if (across <= along) {
        const d = along * along + across * across;
        if (d < bestD) { bestD = d; best = j; }
      } else if (along + across < furtherD) {
        furtherD = along + across;
        further = j;
      }
    });
    return best !== null ? best : further;
  }

  function target(key, dir) {
    const names = order.byName;
    if (key === "Home") { return names[0]; }
    if (key === "End") { return names[names.length - 1]; }
    if (at === null) { return nearestToCentre(); }
    if (dir) { return inDirection(at, dir[0], dir[1]); }
    const k = order.position.get(at) + (key === "PageDown" ? 1 : -1);
    return k >= 0 && k < names.length ? names[k] : null;
  }

  function announce(text) {
    const region = document.getElementById(ANNOUNCE);
    if (region && region.textContent !== text) { region.textContent = text; }
  }

  function label(name) {
    const region = document.getElementById(ANNOUNCE);
    return (region && region.dataset[name]) || "";
  }

  function say(now, i) {
    const props = now.layers[i].feature.properties;
    const write = function (line) {
      const mark = now.selected.has(i) ? " \u00b7 " + label("mark") : "";
      announce(props.name + ": " + line + mark);
    };
    write(ns.map.describe(i, function (line) { if (at === i) { write(line); } }));
  }

  function show(now, i) {
    const layer = now.layers[i];
    ns.map.focus(i);
    const bounds = layer.getBounds();
    const centre = bounds.getCenter();
    if (!leaflet.getBounds().contains(bounds)) { leaflet.panInside(centre, {padding: [48, 48], animate: false}); }
    layer.openTooltip(centre);
  }

  function hide(now) {
    ns.map.focus(null);
    if (now && at !== null && now.layers[at]) { now.layers[at].closeTooltip(); }
  }

  function go(now, i) {
    hide(now);
    at = i;
    show(now, i);
    say(now, i);
  }

  function toggle(now, i) {
    const props = now.layers[i].feature.properties;
    const layout = window.dash_component_api.getLayout(SELECTED);
    const chosen = ((layout && layout.props.value) || []).slice();
    const k = chosen.indexOf(props.id);
    if (k >= 0) { chosen.splice(k, 1); } else { chosen.push(props.id); }
    // as a click on the map: the main callback gets the new selection, map.js outlines it at once
    window.dash_clientside.set_props(SELECTED, {value: chosen.slice(-MAX_SELECTED)});
    announce(label(k >= 0 ? "deselected" : "selected").replace("{name}", props.name));
  }

  function onKey(e) {
    if (!leaflet || e.target !== leaflet.getContainer() || e.altKey || e.ctrlKey || e.metaKey) { return; }
    const dir = ARROWS[e.key];
    if (dir && e.shiftKey) { return; }  // Leaflet moves the map
    const steps = dir || ["PageDown", "PageUp", "Home", "End"].indexOf(e.key) >= 0;
    const acts = e.key === "Enter" || e.key === " " || e.key === "Escape";
    if (!steps && !acts) { return; }  // + and − zoom (Leaflet)
    const now = areas();
    if (!now) { return; }
    e.preventDefault();
    e.stopPropagation();  // Leaflet would move the map with the arrow keys
    if (e.key === "Escape") {
      hide(now);
      at = null;
      announce("");
    } else if (acts) {
      if (at !== null) { toggle(now, at); }
    } else {
      const next = target(e.key, dir);
      if (next === null || next === undefined) {
        announce(label("edge"));
      } else {
        go(now, next);
      }
    }
  }

  ns.mapkeys = {
    attach: function (map) {
      // called by assets/map.js once the areas are on the map
      if (!map || leaflet === map) { return; }
      leaflet = map;
      const box = map.getContainer();
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "application");  // screen readers pass the arrow keys on to the map
      box.setAttribute("aria-labelledby", TITLE);
      box.setAttribute("aria-describedby", HELP);
      [["in", "zoomIn"], ["out", "zoomOut"]].forEach(function (pair) {  // Leaflet names them in English
        const button = box.querySelector(".leaflet-control-zoom-" + pair[0]);
        const name = label(pair[1]);
        if (button && name) { button.setAttribute("title", name); button.setAttribute("aria-label", name); }
      });
      box.addEventListener("focus", function (e) {
        // back by keyboard: the area it was on (a click that focuses the map does not bring it back)
        const now = e.target === box && at !== null && box.matches(":focus-visible") ? areas() : null;
        if (now && at !== null) { show(now, at); say(now, at); }
      });
      box.addEventListener("blur", function (e) { if (e.target === box) { hide(areas()); } });
    }
  };
  document.addEventListener("keydown", onKey, true);
}());
