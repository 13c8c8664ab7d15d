"""Self-contained reports: inline SVG charts and HTML pages with inline CSS, no scripts."""
