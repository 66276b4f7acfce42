"""Liveness, readiness and statistics."""
