"""Zato-style services running as actors."""
