"""Local stand-ins for Slack, for tests and the benchmark (nothing here leaves 127.0.0.1)."""
