"""Listening to a recording through the bot: the recording's media URL never leaves the server.

`hosts` (pure) says which media hosts may be fetched and how; `tokens` (pure) makes and reads the
signed listening links; `media` streams a recording from its host; `service` turns a verified
▶ Listen click into a link or a file in the clicker's DMs; `upload` sends that file to Slack.
"""
