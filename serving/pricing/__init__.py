"""Pricing routes (what-ifs, recommendations, elasticities, saved scenarios) and schemas."""
