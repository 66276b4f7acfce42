"""Claims, with search."""
