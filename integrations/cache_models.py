"""PSA cache tables (one per object type) and sync runs."""
