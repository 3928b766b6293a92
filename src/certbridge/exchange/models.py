"""Tables of the exchange domain (none yet)."""
