"""The web application: public pages and API, and the logged-in case area (issue 5)."""
