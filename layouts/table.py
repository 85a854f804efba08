"""The table view: the map's values, classes and statuses in an accessible, sortable, paged grid (Dash AG Grid).

Everything the grid shows is text made on the server, in the reader's language. No code travels with the grid:
no function strings (``{"function": …}``) and no AG Grid string expressions, which AG Grid compiles with
``new Function`` — the Content-Security-Policy has no ``'unsafe-eval'``. The value column holds the number itself,
so it sorts as numbers, and shows its text, formatted by :func:`sozialmonitor.formatting.format_number`
(``1.234,5`` / ``1,234.5``), through the one cell renderer in ``assets/grid.js`` (a registered component, no string
to evaluate).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html
from dash_ag_grid import AgGrid

from layouts import ids
from layouts.aria import aria
from layouts.mapview import table_frame
from sozialmonitor.formatting import format_number
from sozialmonitor.i18n import t
from sozialmonitor.results import MapData, ViewModel

PAGE_SIZE = 25
PAGE_SIZES = [25, 50, 100, 500]
VALUE_TEXT = "SozialmonitorValueText"  # the cell renderer in assets/grid.js that shows a row's value_text

# AG Grid's texts that a reader of the table meets: paging, sorting, the page-size picker (English is its default)
GRID_TEXTS = ("page", "of", "to", "firstPage", "previousPage", "nextPage", "lastPage", "pageSizeSelectorLabel",
              "ariaPageSizeSelectorLabel", "pageLastRowUnknown", "noRowsToShow", "loadingOoo", "ariaSortableColumn",
              "ariaChecked", "ariaUnchecked")


def grid_texts(lang: str) -> dict[str, str]:
    """AG Grid's ``localeText`` for the language."""
    return {key: t(f"grid_{key}", lang) for key in GRID_TEXTS}


def table_columns(lang: str, unit: str = "") -> list[dict[str, Any]]:
    """Columns of the table view. The value column is numeric — it sorts as numbers, highest first when the table
    opens; areas without a value count as lowest (AG Grid's rule; their status says why) — and right-aligned; it
    shows the server's text of each number."""
    value_name = f"{t('col_value', lang)} ({unit})" if unit else t("col_value", lang)
    return [
        {"headerName": t("col_area_id", lang), "field": "area_id", "cellDataType": "text", "maxWidth": 150},
        {"headerName": t("col_area", lang), "field": "name", "cellDataType": "text", "flex": 2, "minWidth": 170},
        {"headerName": value_name, "field": "value", "cellDataType": "number", "type": "rightAligned",
         "cellRenderer": VALUE_TEXT, "cellClass": ["ag-right-aligned-cell", "num"],
         "sort": "desc", "sortingOrder": ["desc", "asc"]},
        {"headerName": t("col_class", lang), "field": "class_label", "cellDataType": "text"},
        {"headerName": t("col_status", lang), "field": "status_text", "cellDataType": "text"},
    ]


def table_rows(frame: pd.DataFrame, decimals: int, lang: str) -> list[dict[str, Any]]:
    """Grid rows, highest value first: the number (for sorting) and its text (for reading); no value → empty
    (the status says why)."""
    rows = []
    for r in frame.sort_values(["value", "area_id"], ascending=[False, True], na_position="last").to_dict("records"):
        value = None if r["value"] is None or pd.isna(r["value"]) else float(r["value"])
        rows.append({"area_id": r["area_id"], "name": r["name"], "value": value,
                     "value_text": "" if value is None else format_number(value, max(decimals, 0), lang),
                     "class_label": r["class_label"], "status_text": r["status_text"]})
    return rows


def map_rows(data: MapData) -> list[dict[str, Any]]:
    """The grid rows of a map."""
    return table_rows(table_frame(data), data.decimals, data.state.lang)


def area_grid(data: MapData) -> AgGrid:
    """The grid of a map. It is part of the page only while the table is shown (``table_section``; the main
    callback puts a new one in when the view or the table's picture changes): AG Grid's code (~250 kB) then loads
    when the table is first asked for, not beside the map's geometry."""
    lang = data.state.lang
    return AgGrid(
        id=ids.TABLE,
        columnDefs=table_columns(lang, data.unit),
        rowData=map_rows(data),
        # long names, statuses and headers wrap instead of being cut off (narrow screens scroll sideways)
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True, "flex": 1, "minWidth": 110,
                       "wrapText": True, "autoHeight": True, "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={
            "pagination": True, "paginationPageSize": PAGE_SIZE, "paginationPageSizeSelector": PAGE_SIZES,
            "domLayout": "autoHeight",  # the page scrolls, not the grid: every row of a page is in the DOM
            "ensureDomOrder": True,  # screen readers read rows and cells in their visual order
            "suppressColumnVirtualisation": True, "enableCellTextSelection": True, "animateRows": False,
            # read-only cells are no tab stops (Tab would visit every cell of a page before the downloads);
            # screen readers read them as a table, the headers stay focusable (Enter sorts)
            "suppressCellFocus": True,
            "localeText": grid_texts(lang),
        },
        className="area-grid",
        style={"height": None},  # no fixed height (Dash AG Grid's default is 400 px): the grid is as tall as its page
    )


def table_section(model: ViewModel, with_grid: bool) -> html.Section:
    """The table view's place on the page, with the grid when the page opens in the table view."""
    lang = model.state.lang
    grid = [area_grid(model.map)] if with_grid and model.map is not None else []
    return html.Section(id=ids.TABLE_SECTION, className="table-section", hidden=model.state.view != "table",
                        **aria(label=t("panel_table", lang)), children=grid)
