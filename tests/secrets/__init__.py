"""Tests of connectors.secrets."""
