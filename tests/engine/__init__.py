"""Tests of connectors.engine."""
