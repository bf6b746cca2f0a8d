"""The ways in: the HTTP server (`serve`, with its ASGI app), Socket Mode (`socket`) and the
terminal console (`console`). Each builds the same app through `bot.runtime`."""
