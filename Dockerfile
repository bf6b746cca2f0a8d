# Container image for the Recordings Slack bot: `python -m bot serve` on $PORT (default 3000).
#   docker build -t recordings-bot .
#   docker run --rm -p 3000:3000 -e SLACK_BOT_TOKEN=... -e SLACK_SIGNING_SECRET=... \
#     -e PLIVO_AUTH_ID=... -e PLIVO_AUTH_TOKEN=... recordings-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# Run as an unprivileged user; the code stays owned by root, so the app cannot rewrite it.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app

# Only the application package: the app runs from /app as `python -m bot`.
COPY bot/ ./bot/

USER app

ENV PORT=3000
EXPOSE 3000

# Slim images have no curl: ask /healthz with the standard library, on whatever $PORT is.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]

CMD ["python", "-m", "bot", "serve"]
