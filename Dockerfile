# syntax=docker/dockerfile:1
# The Discord bot (jexactyl-bot, and the pyjexactyl library it is built on), configured only through environment
# variables.
#
#   docker build -t jexactyl-bot .
#   (umask 077 && docker run --rm jexactyl-bot init --stdout > .env)    # then fill in DISCORD_TOKEN, PANEL_URL
#   docker run --rm --env-file .env -v jexactyl-bot-data:/data jexactyl-bot check     # before the first start
#   docker run -d --name jexactyl-bot --restart unless-stopped --env-file .env -v jexactyl-bot-data:/data jexactyl-bot
#
# Nothing secret is baked in: DISCORD_TOKEN, PANEL_URL, ENCRYPTION_KEY... come from the environment at run time,
# and nothing is downloaded at run time (only `pip install` below uses the network, while building).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# 1. Third-party dependencies, from the hashed lock file, in their own layer: it is rebuilt only when the lock
#    changes, not on every source edit. (Regenerate the lock with requirements/lock.sh.)
WORKDIR /src
COPY requirements/bot.lock ./requirements/bot.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/bot.lock

# 2. The two distributions of this repository, without dependencies (all locked above): the pyjexactyl library
#    and the bot (packages bot and cogs). The test fakes (tests/) are not copied. The sources are removed
#    afterwards: the image runs the installed packages.
COPY LICENSE README.md pyproject.toml ./
COPY pyjexactyl ./pyjexactyl
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir --no-deps ./pyjexactyl . \
    && pip check \
    && cd / && rm -rf /src

# A non-root user (UID/GID 10001) owns the data volume (the SQLite database and, if ENCRYPTION_KEY is unset,
# secret.key). A bind mount instead of the volume must be writable by it: `chown 10001:10001 <host dir>`
# (the bot checks at start and in `check`, and says so).
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home --shell /usr/sbin/nologin bot \
    && mkdir -p /app /data \
    && chown bot:bot /app /data \
    && chmod 0700 /data
WORKDIR /app
VOLUME ["/data"]

# Defaults only; override with -e / env_file. The health endpoint stays inside the container (127.0.0.1).
# CONFIG_ERROR_DELAY: on a configuration error the bot waits 5 minutes (a stop signal ends the wait) before it
# exits with status 78, so `restart: unless-stopped` retries a misconfigured bot every few minutes instead of
# restarting it in a tight loop (and hammering Discord's login with a rejected token).
ENV DATA_DIR=/data \
    HEALTH_PORT=8080 \
    HEALTH_HOST=127.0.0.1 \
    CONFIG_ERROR_DELAY=300

USER 10001:10001

# `python -m bot health` GETs http://127.0.0.1:$HEALTH_PORT/health with the standard library (no curl in slim).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "-m", "bot", "health"]

# `docker stop` sends SIGTERM: the bot refuses new commands, lets in-flight ones finish (up to 8 s, under
# docker's default 10 s before SIGKILL), then closes the gateway, the panel sessions and the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
