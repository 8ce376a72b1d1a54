"""Exports: the catalog as JSON, a connector as OpenAPI; the inverse of the readers."""
