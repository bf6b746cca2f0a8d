"""Benchmarks: scripts run by hand that print figures (not tests)."""
