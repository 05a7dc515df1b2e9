"""The HTTP edge: one module per OpenAPI tag, where the spec's operationIds point."""
