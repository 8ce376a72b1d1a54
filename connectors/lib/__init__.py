"""Pure functions every layer may use; lib/outbound/ is the only code that touches the network."""
