"""The only door to the network: one URL parser, the SSRF guard, pinned DNS, deadlines, size
caps, redirects."""
