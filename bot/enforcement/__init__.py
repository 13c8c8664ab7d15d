"""What the bot does about a breach: record it first, then delete, tell, alert, escalate."""
