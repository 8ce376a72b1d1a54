"""Tests of connectors.views, through Django's test client."""
