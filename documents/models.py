"""Document templates and generated documents."""
