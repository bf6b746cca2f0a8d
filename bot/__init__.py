"""A Slack bot that answers `/recordings …` with pages of Plivo call recordings."""

__version__ = "0.1.0"
USER_AGENT = f"recordings-bot/{__version__}"
