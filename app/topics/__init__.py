"""Topics that group claims."""
