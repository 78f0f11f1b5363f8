"""Pure domain logic: outcomes, reversal-rate definitions, intervals, the catalogue model.

Nothing in this package does I/O or imports from elsewhere in klagestat.
"""
