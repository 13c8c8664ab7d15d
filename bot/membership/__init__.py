"""Membership: agreeing to the code of conduct, consent when added, and who is where."""
