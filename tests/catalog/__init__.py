"""Tests of connectors.catalog."""
