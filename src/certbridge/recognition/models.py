"""Tables of the recognition domain (none yet)."""
