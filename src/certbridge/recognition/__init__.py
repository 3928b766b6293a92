"""recognition domain."""
