"""Tests of the import readers."""
