"""The web face: one module per area; each view parses, calls a service, picks a template,
responds."""
