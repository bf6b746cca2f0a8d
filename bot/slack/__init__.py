"""Slack's side: the Bolt app and its listeners, Block Kit rendering (pure), answers to
`response_url`, and each user's time zone.

Kept empty so that importing the pure renderer (`bot.slack.blocks`) loads no Slack SDK.
"""
