/* Sozialmonitor's plotly graphs (time series, ranking, Analyse scatter) mount only once the map shows its colours.
 *
 * A dcc.Graph that mounts makes Dash fetch and evaluate plotly.js (~4.8 MB), which would compete with the map's
 * geometry download and drawing. So the page holds each panel's figure in a dcc.Store beside an empty slot
 * (layouts/panels.py graph_slot; a skeleton with a "wird geladen" status meanwhile). map.js calls `mapPainted`
 * whenever every area has its colour (which also hides the map's own loading status); after the first
 * time, once the browser has painted that frame, the store `graphs-ready` is set, and `mount` (a clientside
 * callback per slot: callbacks/dashboard.py register_graph_mounts) puts each graph into its slot with the figure
 * the page holds then, the main callback's latest answer; no request. Later figures go from the store to the
 * mounted graph. Without a visible map the graphs mount once the page has loaded; should the map never be
 * coloured (its geometry failed), they mount after FALLBACK_MS anyway.
 */
(function () {
  "use strict";
  const READY = "graphs-ready";  // as layouts/ids.py GRAPHS_READY
  const MAP_LOADING = "map-loading";  // as layouts/ids.py MAP_LOADING: the map's "wird geladen" status
  const FALLBACK_MS = 20000;
  let fallback = null;

  function isSet() {
    try {
      const store = window.dash_component_api.getLayout(READY);
      return store ? Boolean(store.props.data) : null;  // null: the store is not on the page
    } catch (e) {
      return null;
    }
  }

  function signal() {
    if (isSet() === false) { window.dash_clientside.set_props(READY, {data: true}); }
  }

  function afterPaint(f) {
    // requestAnimationFrame runs before the next paint; the timeout after it, once that frame is on the screen
    window.requestAnimationFrame(function () { window.setTimeout(f, 0); });
  }

  const ns = window.sozialmonitor = window.sozialmonitor || {};
  ns.graphs = {
    mapPainted: function () {
      afterPaint(signal);
      const status = document.getElementById(MAP_LOADING);
      if (status && !status.hidden) { window.dash_clientside.set_props(MAP_LOADING, {hidden: true}); }
    },
    wait: function (mapHidden) {
      if (mapHidden) {  // no map to wait for: mount once the page has loaded
        if (document.readyState === "complete") { return true; }
        window.addEventListener("load", function () { afterPaint(signal); }, {once: true});
      } else if (fallback === null) {
        fallback = window.setTimeout(signal, FALLBACK_MS);
      }
      return window.dash_clientside.no_update;
    },
    mount: function (slot, spec, ready, figure, mounted) {
      // spec: the graph as layouts/ declares it ({namespace, type, props}); figure: the latest one, or null.
      // Mounted with set_props, not as a callback output: Dash would then run every callback that has the new
      // graph as an input (prevent_initial_call does not hold for inserted components), one of them a request.
      if (!ready) { return; }
      const set = window.dash_clientside.set_props;
      const children = mounted ? (Array.isArray(mounted) ? mounted : [mounted]) : [];
      const graph = children.find(function (c) { return c && c.props && c.props.id === spec.props.id; });
      if (graph) {  // later figures go to the mounted graph
        if (figure && graph.props.figure !== figure) { set(spec.props.id, {figure: figure}); }
        return;
      }
      const props = Object.assign({}, spec.props);
      if (figure) { props.figure = figure; }
      // the slot's skeleton stays beside the graph until plotly has drawn it (assets/style.css hides it then)
      set(slot, {children: [{namespace: spec.namespace, type: spec.type, props: props}].concat(children)});
    }
  };
}());
