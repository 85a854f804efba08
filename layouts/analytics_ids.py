"""Component ids of the "Analyse" section, declared once; imported by layouts, callbacks and tests.
(The map, legend, title, query and selection ids it writes to live in ``layouts/ids.py``.)"""

SECTION = "analytics"
SUMMARY = "analytics-summary"
VIEW_TICK = "analytics-view-tick"  # set in the browser when the section opens or the view changes while it is open
OPEN = "analytics-open"  # whether the section is open (mirrored from the summary's clicks in the browser)
RESTORE_MAP = "an-restore-map"
LAST_REQUEST = "an-last-request"  # the analysis the map shows and "save" stores (a request dict)

# MSS preset: status × dynamics
MSS_SECTION = "an-mss"
MSS_PERIOD = "an-mss-period"
MSS_SHOW = "an-mss-show"
MSS_RUN = "an-mss-run"
MSS_RESULT = "an-mss-result"
MSS_MESSAGE = "an-mss-message"

# composite index builder
COMPOSITE_COMPONENTS = "an-composite-components"
COMPOSITE_LOWERING = "an-composite-lowering"
COMPOSITE_WEIGHTS = "an-composite-weights"
COMPOSITE_CUTS = "an-composite-cuts"
COMPOSITE_MIN_POPULATION = "an-composite-min-population"
COMPOSITE_PERIOD = "an-composite-period"
COMPOSITE_RUN = "an-composite-run"
COMPOSITE_RESULT = "an-composite-result"
COMPOSITE_MESSAGE = "an-composite-message"

# typology
TYPOLOGY_INDICATORS = "an-typology-indicators"
TYPOLOGY_K = "an-typology-k"
TYPOLOGY_METHOD = "an-typology-method"
TYPOLOGY_SEED = "an-typology-seed"
TYPOLOGY_PERIOD = "an-typology-period"
TYPOLOGY_RUN = "an-typology-run"
TYPOLOGY_RESULT = "an-typology-result"
TYPOLOGY_MESSAGE = "an-typology-message"

# hot spots
HOT_SPOTS_INDICATOR = "an-hot-spots-indicator"
HOT_SPOTS_PERIOD = "an-hot-spots-period"
HOT_SPOTS_ALPHA = "an-hot-spots-alpha"
HOT_SPOTS_PERMUTATIONS = "an-hot-spots-permutations"
HOT_SPOTS_RUN = "an-hot-spots-run"
HOT_SPOTS_RESULT = "an-hot-spots-result"
HOT_SPOTS_MESSAGE = "an-hot-spots-message"

# scatter
SCATTER_X = "an-scatter-x"
SCATTER_Y = "an-scatter-y"
SCATTER_PERIOD = "an-scatter-period"
SCATTER_RUN = "an-scatter-run"
SCATTER_GRAPH = "an-scatter-graph"
SCATTER_SLOT = "an-scatter-slot"  # where the scatter graph mounts once the map shows its colours (or the section opens)
SCATTER_STATS = "an-scatter-stats"
SCATTER_MESSAGE = "an-scatter-message"
SCATTER_REQUEST = "an-scatter-request"

# saving a result as an indicator (planner and admin only)
SAVE_SUBJECT = "an-save-subject"
SAVE_ID = "an-save-id"
SAVE_NAME_DE = "an-save-name-de"
SAVE_NAME_EN = "an-save-name-en"
SAVE_BUTTON = "an-save"
SAVE_MESSAGE = "an-save-message"
