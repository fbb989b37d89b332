"""A department's case system for Minsheng, in the standard library only (system.py)."""
