"""Pure module (to be written)."""
