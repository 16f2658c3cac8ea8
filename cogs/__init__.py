"""The bot's slash-command cogs, loaded by :class:`bot.app.JexactylBot` as extensions."""
