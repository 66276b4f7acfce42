"""Verdicts: ratings of claims, with their history."""
