"""Tests of address resolution."""
