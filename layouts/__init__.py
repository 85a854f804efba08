"""Pure functions that build Dash components. They never touch the store."""
