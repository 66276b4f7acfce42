"""Bibliographic import: records in BibTeX, RIS, CSL-JSON or MEDLINE become studies."""
