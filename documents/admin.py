"""Admin for document templates."""
