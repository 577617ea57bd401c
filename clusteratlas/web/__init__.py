"""The web observatory: pages and the JSON API (FastAPI + Jinja2)."""
