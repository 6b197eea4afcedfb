"""GraphiQL, served offline: pinned assets from the npm registry (assets.py), the page and its route (page.py)."""
