"""A fake Discord (REST + gateway on 127.0.0.1) that the real, unmodified discord.py client logs into.

It serves what discord.py 2.7 uses, builds complete INTERACTION_CREATE payloads from the commands the bot
synced, answers like Discord (limits, permissions, error codes, rate limits) and records everything. Every wait
is event-driven: re-checked on each request the bot makes and each event the fake sends, ``TimeoutError`` (with
the last requests) after ``timeout`` seconds. Times are ``time.monotonic()`` stamps.

Start::

    from tests.fake_discord import FakeDiscord, FakeRole, FakeUser, permissions as P

    alice = FakeUser(id=4242, username="alice")
    async with FakeDiscord(guild_ids=[GUILD_ID]) as fd, fd.running(bot):   # or the e2e ``discord`` fixture
        ix = await fd.slash(alice, "server status", options={"server": "abcd1234"})
        message = await ix.wait_final(5)
        fd.assert_clean()                  # no limit violation, no request the fake does not serve

``FakeDiscord(*, application_id, guild_ids, bot_user_id=None, token=None, bot_username="FakeBot", owner_id,
roles=None, response_deadline=3.0, reject_violations=True, heartbeat_interval_ms, host="127.0.0.1",
callback_delay=0.0, require_allowed_mentions=False)``. ``fd.api_base``, ``fd.gateway_url``, ``fd.token``,
``fd.bot_user``; ``await fd.start()``/``close()``; ``fd.running(client, timeout=10)`` (async context manager).

Interactions (returns :class:`InteractionRecord`: ``wait_final``, ``wait_for``, ``last_message``, ``messages``,
``original_message``, ``ephemeral``, ``deferred``, ``latency``, ``callbacks``, ``followups``, ``edits``...)::

    await fd.slash(user, "board add", options={"server": "abc", "channel": alerts}, *, guild_id=None,
                   channel_id=None, member_permissions=None, roles=(), dm=False, check_permissions=True)
    await fd.autocomplete(user, command, options, *, focused, timeout=3.0, ...) -> list[choice dict]
    await fd.click(user, message, custom_id, *, values=None, member_permissions=None, roles=())
    await fd.submit_modal(user, modal_custom_id, values, *, origin=None, member_permissions=None, roles=())

``member_permissions`` is what the member's roles grant at guild level (default: the permissions of ``roles``);
@everyone's permissions and the channel's overwrites still apply, as on Discord. The payload carries the
result in ``member.permissions`` and ``channel.permissions``, and the bot's own in ``app_permissions`` (so
``interaction.app_permissions`` and ``channel.permissions_for(guild.me)`` agree with what the REST routes
enforce). A channel option resolves to the fake's channel with the invoker's permissions in it.

Guild model. Each guild has a default text channel (``fd.channel_for(guild_id=None) -> int``, ``fd.channels``),
@everyone with an ordinary member's permissions, and a managed role for the bot (``fd.bot_role(guild_id=None)``)
holding the bot's permissions. All of it is in GUILD_CREATE; changes are dispatched (channel and role events need
the GUILDS intent, MESSAGE_DELETE needs GUILD_MESSAGES: the fake honours the intents the bot IDENTIFYed with,
records withheld events with ``delivered=False``, and sends nothing before the first IDENTIFY)::

    alerts = await fd.add_channel("alerts", *, guild_id=None, type=0, topic=None, parent_id=None,
                                  position=None, overwrites=())               # -> FakeChannel; CHANNEL_CREATE
    await fd.update_channel(alerts, *, name=None, topic=..., position=None, parent_id=...)  # CHANNEL_UPDATE
    await fd.delete_channel(alerts)                  # CHANNEL_DELETE; its messages go; routes answer 10003
    await fd.set_overwrite(alerts, who, *, allow=0, deny=0) -> FakeOverwrite  # CHANNEL_UPDATE
    await fd.remove_overwrite(alerts, who)           # who: FakeRole | FakeUser | id (the guild id = @everyone)
    await fd.add_role(FakeRole(id, name, permissions=0, mentionable=False), *, guild_id=None)  # GUILD_ROLE_CREATE
    await fd.update_role(role, *, guild_id=None)     # same id, new fields (dataclasses.replace); GUILD_ROLE_UPDATE
    await fd.delete_role(role_or_id, *, guild_id=None)  # GUILD_ROLE_DELETE; dropped from members and overwrites
    await fd.set_everyone_permissions(bits, *, guild_id=None)                  # GUILD_ROLE_UPDATE of @everyone
    await fd.set_bot_roles([fd.bot_role(), other], *, guild_id=None)          # GUILD_MEMBER_UPDATE of the bot
    await fd.delete_message(message, *, by=None) -> MessageLog   # a member deletes it; MESSAGE_DELETE
    fd.bot_permissions(channel) -> int               # computed as Discord does (permissions.py)
    fd.get_channel(channel) -> FakeChannel | None; fd.guild(guild_id=None) -> GuildState
    await fd.dispatch(event, data)                   # raw: any event, no intent check

``message``/``channel`` arguments take a discord.py object (anything with ``.id``), a payload dict or an id.
Permission bits: :mod:`tests.fake_discord.permissions` (``VIEW_CHANNEL``, ``SEND_MESSAGES``, ``EMBED_LINKS``,
``ATTACH_FILES``, ``READ_MESSAGE_HISTORY``, ``MENTION_EVERYONE``, ``MANAGE_CHANNELS``, ``ADMINISTRATOR``...) or
``discord.Permissions(...).value``.

Channel messages (``POST/GET/PATCH/DELETE /channels/{c}/messages[/{m}]``, history). Each body is checked
(content 2,000, embeds, components, ``allowed_mentions`` shape, empty message: 400 50035/50006 and a violation)
and the bot's permissions enforced: unknown/deleted channel 404 10003; unknown/deleted/ephemeral message 404
10008; no View Channel 403 50001; create without Send Messages (Attach Files for files) or fetch without Read
Message History 403 50013; history without Read Message History is an empty list; editing or deleting its own
message needs View Channel only; embeds without Embed Links are dropped silently (``log.embeds_stripped``).
``RecordedRequest.error_code`` and ``.note`` ("missing SEND_MESSAGES") say why. Queries and waits::

    fd.messages_in(channel) -> list[dict]            # current, visible (not ephemeral/deleted), oldest first
    fd.channel_messages                              # every message created through POST /channels (as before)
    fd.message_log(message) -> MessageLog            # also fd.store.meta[id]
    fd.edit_count(message) -> int
    fd.mentions_of(message) -> Mentions
    await fd.wait_message(channel, predicate=None, *, since=None, timeout=5.0) -> dict   # current state matches
    await fd.wait_edit(message, predicate=None, *, after=None, timeout=5.0) -> MessageEdit
    await fd.wait_deleted(message, *, timeout=5.0) -> MessageLog
    await fd.wait_request(method, path_regex, *, status=None, after=None, timeout=5.0) -> RecordedRequest

``after`` is an index (edits of the message, ``fd.requests``, ``fd.rate_limited``): only newer ones count; the
default is the count when the wait starts, so take ``n = fd.edit_count(board)`` *before* the action to leave no
race. :class:`MessageLog`: ``current`` (None once deleted), ``history`` (every state), ``edits``
(:class:`MessageEdit`: ``index``, ``at``, ``message`` state after it, ``body``, ``request``, ``mentions``),
``attempts`` (every PATCH of it, incl. 429/403/404 answers), ``created_at``, ``created_by``, ``mentions``,
``deleted_at``, ``deleted_by`` (a user id, the bot's id, or the owner's for ``delete_message(by=None)``),
``embeds_stripped``, ``edit_times()``, ``max_edits_within(seconds) -> int`` (edits per minute:
``max_edits_within(60)``). Interaction messages (responses, followups, webhook edits) are logged the same way.

Mentions. Per create and edit, :class:`Mentions` says what the content wrote (``written_users/roles/
everyone/here``), what Discord records after ``allowed_mentions`` and the rules (``users``, ``roles``,
``everyone``, ``here``) and whom it notifies (``notified_users/roles/everyone``; ``notifies_nobody``,
``notifies_only(users=..., roles=..., everyone=False)``), plus ``in_embeds`` (mention tokens inside embeds:
they notify nobody) and ``notes`` (why something did not ping). A role pings only if mentionable or the bot has
Mention Everyone; ``@everyone``/``@here`` only with Mention Everyone; edits and ephemeral messages notify nobody.
A message that notifies anyone without an explicit ``allowed_mentions`` is a violation; with
``require_allowed_mentions=True`` (constructor or attribute) so is any public message created without one.
The message objects carry ``mentions``/``mention_roles``/``mention_everyone`` accordingly.

Rate limits. Every 429 is recorded in ``fd.rate_limited`` (:class:`RateLimitHit`: ``at``, ``method``, ``path``,
``route``, ``bucket``, ``major``, ``retry_after``, ``scope``, ``is_global``, ``source``, ``request``) and carries
``Retry-After``, ``X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket/-Scope`` (``-Global``), ``Via``
and the JSON body Discord sends. Routes are written like ``"PATCH /channels/{channel_id}/messages/{message_id}"``
(placeholders match any id, literal ids one channel or message, the method is optional)::

    fd.rate_limit_next(route, n=1, retry_after=1.0, *, scope="user", is_global=False, bucket=None)
    fd.add_rate_limit(route, limit, per, *, headers=True, scope="user", bucket=None) -> RateLimitBucket
    fd.limit_message_edits(limit=5, per=5.0, *, headers=True) -> RateLimitBucket   # per channel
    fd.clear_rate_limits()
    await fd.wait_rate_limited(route=None, *, after=None, timeout=5.0) -> RateLimitHit
    fd.inject_error(method, path_regex, status=429, *, times=1, body=None, retry_after=0.05)   # any status

A modelled bucket counts per channel/guild/webhook in fixed windows; with ``headers=True`` its answers announce
it, so discord.py waits on its own before the bucket is empty (no 429); ``headers=False`` hides them and the
client only learns from 429s (discord.py sleeps ``retry_after`` and retries, unless the client was made with
``max_ratelimit_timeout`` and the wait is longer: then it raises ``discord.RateLimited``).

Records and checks (as before): ``fd.requests`` (:class:`RecordedRequest`), ``fd.gateway_frames``,
``fd.dispatches`` (:class:`RecordedDispatch`: ``event``, ``data``, ``at``, ``delivered``, ``intent``; all but
INTERACTION_CREATE), ``fd.interactions``, ``fd.command_syncs``, ``fd.identify_payload``, ``fd.identify_intents``,
``fd.violations``, ``fd.unhandled``; ``fd.assert_clean()``, ``fd.assert_no_violations()``,
``fd.pop_violations()``, ``fd.find_in_payloads(text)``; ``await fd.wait_for(predicate, timeout=5.0)``,
``wait_ready``, ``wait_synced(guild_id=None)``, ``fd.synced_commands(guild_id=None)``;
``fd.drop_gateway(*, code=None, resumable=True)``. Limits checked: :mod:`tests.fake_discord.limits`.

Module map: ``fake_discord`` (the class), ``state``, ``gateway``, ``rest`` (plumbing), ``rest_app``,
``rest_interactions``, ``rest_channels``, ``messages``, ``interaction_options``, ``interaction_builder``,
``interactions``, ``guild_controls``, ``observe``, ``guild_state``, ``permissions``, ``mentions``,
``ratelimits``, ``message_store``, ``interaction_record``, ``records``, ``payloads``, ``limits``, ``_lookup``.
"""

from . import permissions
from .fake_discord import FakeDiscord
from .guild_state import FakeChannel, GuildState
from .interaction_record import InteractionRecord
from .mentions import Mentions
from .message_store import MessageEdit, MessageLog
from .payloads import FakeRole, FakeUser, bot_token
from .permissions import FakeOverwrite
from .ratelimits import RateLimitBucket, RateLimitHit
from .records import RecordedDispatch, RecordedFrame, RecordedRequest

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeOverwrite",
    "FakeRole",
    "FakeUser",
    "GuildState",
    "InteractionRecord",
    "Mentions",
    "MessageEdit",
    "MessageLog",
    "RateLimitBucket",
    "RateLimitHit",
    "RecordedDispatch",
    "RecordedFrame",
    "RecordedRequest",
    "bot_token",
    "permissions",
]
