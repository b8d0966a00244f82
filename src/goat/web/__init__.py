"""The web front end: server-rendered pages (Jinja2) for participants and the organiser, served by the API
process itself, with every asset (CSS, a little JavaScript) shipped in this package."""
