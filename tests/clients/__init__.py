"""Tests of the clients/ scripts."""
