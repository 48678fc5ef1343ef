"""What every training job shares: the result it returns and the demo that runs them all."""
