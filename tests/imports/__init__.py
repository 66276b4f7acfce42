"""Tests of the bibliographic import."""
