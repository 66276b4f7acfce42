"""Studies: the works that bear on claims."""
