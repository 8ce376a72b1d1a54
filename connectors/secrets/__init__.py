"""Where a secret may go and the only way to read one: sealing, {{NAME}} references, homes."""
