"""Examples of clients of the platform (each folder has its own README)."""
