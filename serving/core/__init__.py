"""What every route shares: auth, champions, CSV answers, access log, health, the error body."""
