"""Backtest tooling: synthetic tape, runner, summary and reject injection (no imports here)."""
