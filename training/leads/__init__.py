"""`lodestar train leads`: the lead-conversion training job and its charts."""
