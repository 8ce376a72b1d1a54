"""Tests of connectors.importing."""
