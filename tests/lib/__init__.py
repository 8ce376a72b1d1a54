"""Tests of connectors.lib."""
