"""Every write of the catalog with its version and history entry, history, restore, and the
catalog's queries."""
