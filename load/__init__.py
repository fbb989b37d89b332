"""``make load``: a bounded mix of traffic against the local stack, then its invariants."""
