"""Every component id, declared once; imported by layouts, callbacks and tests."""

# page and state
QUERY = "view-query"  # the resolved view as a URL query (written by the server, pushed to history in the browser)
NOTICES = "notices"
ERROR = "error-message"
LANG_LINK = "lang-link"
COPY_LINK = "copy-link"  # the button that copies the page's link
COPY_STATUS = "copy-status"  # says whether it was copied (set in the browser)
CONTROLS_TOGGLE = "controls-toggle"
CONTROLS = "controls"

# controls
FRAME = "frame"
LEVEL = "level"
INDICATOR = "indicator"
PERIOD = "period"
PERIOD_LABEL = "period-label"
PERIOD_LABELS = "period-labels"  # the periods as shown, for the slider label (set in the browser)
MODE = "mode"
BASE = "base-period"
CHANGE = "change-kind"
METHOD = "method"
K = "classes"
BREAKS = "manual-breaks"
FIXED = "fixed-breaks"
PALETTE = "palette"
OUTLINE = "outline"
VIEW = "view"
SELECTED = "selected-areas"
CLEAR_SELECTION = "clear-selection"
MANUAL_ROW = "manual-row"
CHANGE_ROW = "change-row"

# map
MAP = "map"
PAINT = "map-paint"  # paint data of a switch (classes, values), applied in the browser by assets/map.js
PAINT_DONE = "map-painted"
INITIAL_VIEWPORT = "initial-viewport"
AREAS = "areas-layer"
PARENT_OUTLINE = "outline-layer"
BASEMAP = "basemap"
SELECTION_PAINTED = "selection-painted"  # written by the browser when the selection outline is drawn
MAP_TITLE = "map-title"
MAP_KEYS_HELP = "map-keys-help"  # how the map works by keyboard (assets/mapkeys.js)
MAP_ANNOUNCE = "map-announce"  # live region: the area the keyboard is on, written by assets/mapkeys.js
MAP_SECTION = "map-section"
MAP_LOADING = "map-loading"  # the map's "wird geladen" status, hidden once it shows its colours
LEGEND = "legend"
DERIVED_NOTE = "derived-note"
TABLE_SECTION = "table-section"

# panels (which are open is part of the view: only open panels are computed)
PANELS = "panels"
SERIES_SECTION = "series-section"
RANKING_SECTION = "ranking-section"
PROFILE_SECTION = "profile-section"
SERIES = "series-graph"
RANKING = "ranking-graph"
# The graphs mount in the browser once the map shows its colours (layouts/panels.py graph_slot): until then the
# page holds each figure in a store (the main callback's output) beside the graph's empty slot.
GRAPHS_READY = "graphs-ready"  # set by the browser (assets/graphs.js) when the graphs may mount
SERIES_FIGURE = "series-figure"
SERIES_SLOT = "series-slot"
RANKING_FIGURE = "ranking-figure"
RANKING_SLOT = "ranking-slot"
PROFILE = "profile"
INFO = "indicator-info"
TABLE = "area-table"
DOWNLOAD_CSV = "download-csv"
DOWNLOAD_XLSX = "download-xlsx"
DOWNLOAD_ALL = "download-all"
DOWNLOAD = "download"
