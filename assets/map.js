/* Sozialmonitor map functions for dash-leaflet (referenced through Namespace("sozialmonitor", "map")).
 *
 * The geometry of a level is loaded once from /geo/<frame>/<level>.geojson; features carry only
 * properties {id, name, i}. What changes with indicator, period or method is "paint data": class per
 * feature index (`cls`, -1 no data, -2 suppressed, -3 a value on too small a base), value (`val`), colours,
 * unit, decimals, language and
 * the selection. The first paint data come with the page as the GeoJSON `hideout`; later switches arrive
 * in a dcc.Store and `paint` restyles the existing Leaflet layers in place (setStyle) instead of letting
 * dash-leaflet rebuild every feature. Style objects are fresh per feature.
 */
(function () {
  "use strict";
  const derived = new WeakMap(); // paint data -> {ranks, selected, n}
  const formats = {};
  const registry = {};  // geometry URL -> Leaflet layers by feature index
  const codes = {};     // geometry URL -> {area id: feature index}
  const MAX_SELECTED = 12;  // as sozialmonitor/view.py
  let chosen = null;    // the selection as the browser holds it (area ids), once the user changed it
  let current = null;   // the paint data now on the map
  let focused = null;   // feature index the keyboard is on, while the map has the focus (assets/mapkeys.js)
  const FOCUS_COLOUR = "#b35c00";  // as --focus in style.css

  function info(h) {
    let d = derived.get(h);
    if (d) { return d; }
    const order = [];
    // without inline values (large maps) the server ranks, in /tooltip
    (h.cls || []).forEach(function (c, i) { if (c >= 0 && h.val && h.val[i] !== null) { order.push(i); } });
    order.sort(function (a, b) { return h.val[b] - h.val[a]; });
    const ranks = new Array((h.cls || []).length).fill(null);
    let rank = 0;
    let previous = null;
    order.forEach(function (i, position) {
      if (previous === null || h.val[i] !== previous) { rank = position + 1; previous = h.val[i]; }
      ranks[i] = rank;
    });
    d = {ranks: ranks, selected: new Set(h.sel || []), n: order.length, styled: 0};
    derived.set(h, d);
    return d;
  }

  function formatter(lang, decimals) {
    const key = lang + decimals;
    if (!formats[key]) {
      formats[key] = new Intl.NumberFormat(lang === "en" ? "en-GB" : "de-DE",
        {minimumFractionDigits: decimals, maximumFractionDigits: decimals});
    }
    return formats[key];
  }

  function formatValue(value, h) {
    const text = formatter(h.lang, Math.max(h.dec, 0)).format(value).replace("-", "\u2212");
    // the text around the number comes from the server (sozialmonitor/formatting.py unit_affixes): "33,7 Tsd. €"
    const affix = h.affix || ["", h.unit ? "\u00a0" + h.unit : ""];
    return affix[0] + text + affix[1];
  }

  const lines = new Map();  // "<view query>|<area id>" -> tooltip line fetched from /tooltip

  const waiting = new Map();  // "<view query>|<area id>" -> callbacks waiting for the line being fetched

  function lazyLine(h, id, late) {
    // large maps: the line is asked for when needed; `late(text)` gets it once it arrives (the tooltip and the
    // keyboard's announcement may both wait for the same line)
    const key = h.tq + "|" + id;
    if (lines.has(key)) { return lines.get(key); }
    if (waiting.has(key)) {
      waiting.get(key).push(late);
      return "\u2026";
    }
    waiting.set(key, [late]);
    fetch("/tooltip?" + h.tq + (h.tq ? "&" : "") + "area=" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {text: h.labels.no_data}; })
      .then(function (body) {
        lines.set(key, body.text);
        const callbacks = waiting.get(key) || [];
        waiting.delete(key);
        if (current && current.tq === h.tq) { callbacks.forEach(function (f) { f(body.text); }); }
      })
      .catch(function () { waiting.delete(key); });
    return "\u2026";
  }

  function lineFor(h, i, id, late) {
    // what the tooltip (and the keyboard's announcement, assets/mapkeys.js) says about feature i
    const c = h.cls ? h.cls[i] : -1;
    if (c === -3 && h.val && h.val[i] !== null) { return formatValue(h.val[i], h) + " \u00b7 " + h.labels.low_base; }
    if (c === -3 && !h.val) { return lazyLine(h, id, late); }
    if (c < 0) { return c === -2 ? h.labels.suppressed : h.labels.no_data; }
    if (h.cats) {  // a categorical map mode (Analyse): the category, and the value if any
      return h.cats[c] + (h.val && h.val[i] !== null ? " \u00b7 " + formatValue(h.val[i], h) : "");
    }
    if (!h.val) { return lazyLine(h, id, late); }  // large maps: asked for on demand
    if (h.val[i] === null) { return h.labels.no_data; }
    const d = info(h);
    const whole = formatter(h.lang, 0);
    return formatValue(h.val[i], h) + " \u00b7 " +
      h.labels.rank.replace("{rank}", whole.format(d.ranks[i])).replace("{n}", whole.format(d.n));
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  // The hatching of a rate on too small a base: an SVG pattern the map's paths refer to as fill "url(#sm-hatch)"
  // (one hidden <svg> per page, added the first time such an area is drawn).
  function ensureHatch() {
    if (document.getElementById("sm-hatch")) { return; }
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.style.position = "absolute";
    svg.innerHTML = '<defs><pattern id="sm-hatch" width="6" height="6" patternUnits="userSpaceOnUse" ' +
      'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"></rect>' +
      '<rect width="2" height="6" fill="#5f5f5f"></rect></pattern></defs>';
    document.body.appendChild(svg);
  }

  function styleFor(i, h, d) {
    const c = h.cls ? h.cls[i] : -1;
    const selected = d.selected.has(i);
    const edge = h.edge || {weight: 0.5, color: "#5a5a5a", opacity: 1};  // thin and light for many areas
    const style = {weight: selected ? 3 : edge.weight, color: selected ? "#000000" : edge.color,
                   opacity: selected ? 1 : edge.opacity, fillOpacity: 0.9, dashArray: null};
    if (c >= 0) {
      style.fillColor = h.colors[c];
    } else if (c === -2) {
      style.fillColor = h.fill.suppressed;
      style.dashArray = "2 3";
    } else if (c === -3) {  // a value on too small a base: shown, hatched, in no class
      if (String(h.fill.low_base).indexOf("url(") === 0) { ensureHatch(); }
      style.fillColor = h.fill.low_base;
    } else {
      style.fillColor = h.fill.no_data;
      style.dashArray = "4 3";
    }
    if (i === focused) {  // the area the keyboard is on (assets/mapkeys.js): the page's focus colour
      style.color = FOCUS_COLOUR;
      style.weight = 4;
      style.dashArray = null;
    }
    return style;
  }

  const ns = window.sozialmonitor = window.sozialmonitor || {};
  ns.map = {
    style: function (feature, context) {
      let h = context.hideout || {};
      if (current && current.painted && current.geo === h.geo && current !== h) {
        h = current;  // a later paint already replaced the layout's data for this geometry
      } else {
        current = h;
      }
      const d = info(h);
      const style = styleFor(feature.properties.i, h, d);
      d.styled += 1;
      if (d.styled === (h.cls || []).length) {
        if (window.performance && performance.mark) {
          performance.mark("sozialmonitor:styled");  // every feature has its colour (benchmarks read this)
        }
        if (ns.graphs) { ns.graphs.mapPainted(); }  // the plotly graphs may mount now (assets/graphs.js)
      }
      return style;
    },
    paint: function (data) {
      if (!data) { return window.dash_clientside.no_update; }
      data.painted = true;
      current = data;
      if (chosen && codes[data.geo]) {  // an answer may be older than the latest click: the browser's selection wins
        const lookup = codes[data.geo];
        data.sel = chosen.map(function (c) { return lookup[c]; }).filter(function (i) { return i !== undefined; });
      }
      const layers = registry[data.geo];
      if (!layers || !layers.length) { return window.dash_clientside.no_update; }  // style() will use it
      const d = info(data);
      layers.forEach(function (layer, i) { if (layer) { layer.setStyle(styleFor(i, data, d)); } });
      window.requestAnimationFrame(function () {
        if (window.performance && performance.mark) { performance.mark("sozialmonitor:styled"); }
      });
      return Date.now();
    },
    bindTooltip: function (feature, layer, context) {
      const geo = (context.hideout || {}).geo;
      const i = feature.properties.i;
      if (geo) {
        (registry[geo] = registry[geo] || [])[i] = layer;
        (codes[geo] = codes[geo] || {})[feature.properties.id] = i;
      }
      // One tab stop for the whole map (assets/mapkeys.js): Leaflet would make every area focusable (it listens
      // for focus on each path to open its tooltip, and Chromium then puts each path in the tab order).
      layer._addFocusListeners = function () {};
      layer.once("add", function () { if (ns.mapkeys) { ns.mapkeys.attach(layer._map); } });
      // content is computed when the tooltip opens, from the paint data now on the map
      const title = "<strong>" + escapeHtml(feature.properties.name) + "</strong><br>";
      layer.bindTooltip(function () {
        const h = current || context.hideout || {};
        return title + escapeHtml(lineFor(h, i, feature.properties.id, function (text) {
          if (layer.isTooltipOpen()) { layer.setTooltipContent(title + escapeHtml(text)); }
        }));
      }, {sticky: true, direction: "top", opacity: 0.95});
    },
    outline: function (feature, context) {
      return {weight: 1.6, color: "#1f1f1f", opacity: context.hideout && context.hideout.show ? 0.9 : 0,
              fill: false, interactive: false};
    },
    toggle: function (click, rank, selected) {
      // A click on the map or on a ranking bar adds its area to the selection, or removes it. Done here, at
      // once: the server gets the new selection as the main callback's input, and no click is lost while
      // an answer is on its way. Only the id ever travels (the polygon stays in the browser).
      const trigger = ((window.dash_clientside.callback_context || {}).triggered || [])[0] || {};
      let id = null;
      if (trigger.prop_id === "ranking-graph.clickData") {
        const point = rank && rank.points && rank.points[0];
        id = point ? point.customdata : null;
      } else if (click && click.properties) {
        id = click.properties.id;
      }
      if (!id) { return window.dash_clientside.no_update; }
      const now = (selected || []).slice();
      const at = now.indexOf(id);
      if (at >= 0) { now.splice(at, 1); } else { now.push(id); }
      return now.slice(-MAX_SELECTED);
    },
    highlight: function (selected) {
      // outline the selected areas at once, before the server's answer arrives
      chosen = (selected || []).slice();
      const h = current;
      if (!h || !codes[h.geo] || !registry[h.geo]) { return window.dash_clientside.no_update; }
      const lookup = codes[h.geo];
      const wanted = (selected || []).map(function (c) { return lookup[c]; })
        .filter(function (i) { return i !== undefined; });
      const d = info(h);
      const touched = new Set(d.selected);
      wanted.forEach(function (i) { touched.add(i); });
      h.sel = wanted;
      d.selected = new Set(wanted);
      const layers = registry[h.geo];
      touched.forEach(function (i) { if (layers[i]) { layers[i].setStyle(styleFor(i, h, d)); } });
      return wanted.length;
    },
    areas: function () {
      // what the keyboard model (assets/mapkeys.js) steps through: the layers of the geometry now on the map
      const h = current;
      const layers = h && registry[h.geo];
      return layers && layers.length ? {geo: h.geo, layers: layers, selected: info(h).selected} : null;
    },
    describe: function (i, late) {
      // feature i's line as its tooltip shows it; `late(text)` gets a line that is fetched first
      const h = current;
      const layer = h && registry[h.geo] && registry[h.geo][i];
      return layer ? lineFor(h, i, layer.feature.properties.id, late) : "";
    },
    focus: function (i) {
      // outline feature i in the focus colour (null: none)
      const previous = focused;
      focused = i;
      const h = current;
      const layers = h && registry[h.geo];
      if (!layers) { return; }
      const d = info(h);
      [previous, i].forEach(function (j) {
        if (j !== null && j !== undefined && layers[j]) { layers[j].setStyle(styleFor(j, h, d)); }
      });
      if (i !== null && layers[i] && layers[i].bringToFront) { layers[i].bringToFront(); }
    },
    syncUrl: function (query, selected, center, zoom) {
      // the server's last answer, with the selection as the browser holds it (clicks toggle it here first)
      const params = new URLSearchParams(query || "");
      if (selected && selected.length) { params.set("sel", selected.join(",")); } else { params.delete("sel"); }
      if (center && zoom !== undefined && zoom !== null) {
        const lat = Array.isArray(center) ? center[0] : center.lat;
        const lon = Array.isArray(center) ? center[1] : center.lng;
        params.set("lat", lat.toFixed(5));
        params.set("lon", lon.toFixed(5));
        params.set("z", String(Math.round(zoom * 100) / 100));
      }
      const search = params.toString().replace(/%2C/g, ",");
      const url = window.location.pathname + (search ? "?" + search : "");
      if (url !== window.location.pathname + window.location.search) {
        window.history.replaceState(null, "", url);
      }
      const other = new URLSearchParams(search);
      const lang = other.get("lang") === "en" ? "de" : "en";
      if (lang === "de") { other.delete("lang"); } else { other.set("lang", "en"); }
      const otherSearch = other.toString().replace(/%2C/g, ",");
      return window.location.pathname + (otherSearch ? "?" + otherSearch : "");
    }
  };
}());
