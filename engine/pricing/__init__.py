"""Pricing decisions: what-if simulation, constrained recommendations, saved scenarios."""
