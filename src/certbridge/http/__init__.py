"""What every domain's routers share: dependencies, error responses, access logging."""
