"""Turning the model into text: themes, Jinja tuning, markdown, sharing links."""
