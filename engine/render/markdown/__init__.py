"""Python-Markdown set-up and the project's own Markdown extensions."""
