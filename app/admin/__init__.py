"""Whole-database export and restore."""
