"""Exporting a whole search as a CSV file: the engine (`engine`), the file's shape (`csvfile`) and
the queue that runs a few exports at a time (`queue`). Nothing here speaks to Slack."""
