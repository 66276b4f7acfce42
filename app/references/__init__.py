"""Reference lists and citations of the studies behind claims."""
