"""Form definitions compiled to validation schemas, page view models and JSON Schema."""
