"""Pure valuation formulas: no database, no snapshot, no settings beyond what the caller passes.

- `scoring`: GB/T 42748 value score (indicator scores 0–100, scenario weights, dimension scores, grade).
- `income`: relief-from-royalty, excess earnings, profit share K, discount-rate build-up, the period n.
- `market`: comparable deals with adjustment factors.
- `cost`: replacement cost less depreciation and obsolescence.
- `montecarlo`: P10 / P50 / P90 of any of the above over triangular input distributions (numpy, seeded).
- `reconcile`: weighted reconciliation of the approaches.

Money is `Decimal` yuan, rounded ROUND_HALF_UP to the fen (`money.fen`) only at the end of each formula.
Bad input raises `ValuationInputError` with a translatable message naming the field.
"""

from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.formulas.money import fen

__all__ = ["ValuationInputError", "fen"]
