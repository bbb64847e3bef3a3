"""Batch scoring: many intake forms in, one scored row out per form, in input order.

readers.py turns CSV, JSON and JSON Lines files into numbered rows; runner.py scores them (in
worker processes, each with its own engine) and keeps their order; writers.py turns the
results into CSV, JSON Lines, JSON or a table and writes the output file atomically;
summary.py counts what happened and shows progress. ``kneetriage score``
(triage/commands/score.py) wires them up.
"""
