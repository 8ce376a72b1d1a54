"""One reader per source: each reads its source into the one import Plan and never writes."""
