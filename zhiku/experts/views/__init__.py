"""Views of the expert experts: staff pages (workspace, spreadsheets) and the expert area (me)."""
