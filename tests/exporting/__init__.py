"""Tests of connectors.exporting."""
