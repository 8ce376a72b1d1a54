"""Properties across layers: no leaks, robustness, production settings, servers, the guides."""
