"""The REST API under /api/v1/: personal tokens, JSON in and out, one module per area."""
