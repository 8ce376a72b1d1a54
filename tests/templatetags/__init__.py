"""Tests of connectors.templatetags."""
