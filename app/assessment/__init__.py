"""The assessment: what a claim's evidence supports, GRADE-style, with every step shown."""
