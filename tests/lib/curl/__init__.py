"""Tests of connectors.lib.curl."""
