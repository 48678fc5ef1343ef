"""HTTP routers, one per user-facing resource; each stays thin and calls engine/."""
