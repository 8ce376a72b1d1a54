"""Tests of connectors.engine.oauth, against a real local authorization server."""
