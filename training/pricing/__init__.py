"""`lodestar train pricing`: the price-sensitivity training job and its charts."""
