"""Meaning: sentence embeddings of claims, their vectors, and search and matching by them."""
