"""Evidence: how a study bears on a claim."""
