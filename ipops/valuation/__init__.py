"""GB/T 42748 value scoring, money valuation, high-value flags, SME innovation score (issue 6)."""
