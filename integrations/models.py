"""ConnectWise connection, cache tables and sync runs."""
