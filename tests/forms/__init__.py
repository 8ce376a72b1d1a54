"""Tests of connectors.forms."""
