"""One strategy per Auth Config kind: what a connector's auth adds to a request."""
