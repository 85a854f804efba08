/* The table view's one cell renderer for Dash AG Grid (layouts/table.py).
 *
 * The value column holds the number, so AG Grid sorts it as a number; this renderer shows the text the server
 * formatted for the reader's language (`value_text`: 1.234,5 or 1,234.5). A registered component instead of a
 * `valueFormatter` function string: AG Grid would evaluate such strings, which the Content-Security-Policy
 * (no 'unsafe-eval') must not allow.
 */
(function () {
  "use strict";
  const components = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
  components.SozialmonitorValueText = function (props) {
    return (props.data && props.data.value_text) || "";
  };
}());
