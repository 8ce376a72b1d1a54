"""Tests of connectors.lib.outbound, against real servers on 127.0.0.1."""
