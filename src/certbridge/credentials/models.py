"""Tables of the credentials domain (none yet)."""
