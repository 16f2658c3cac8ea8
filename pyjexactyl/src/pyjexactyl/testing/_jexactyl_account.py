"""Jexactyl v3's extra account routes (§9.2 of the contract): logs, verification, coupons, username, latest
activity, referrals, Discord and tickets. Served by ``FakePanel(flavor="jexactyl")`` only."""

from __future__ import annotations

import string
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._envelope import GENERIC_500, PanelError, display_error, item, list_of, not_found
from ._jexactyl_state import FakeReferralCode, FakeReferralUse, FakeTicket, FakeTicketMessage
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check

__all__ = ["ROUTES", "broken_500"]

table = RouteTable("client", "/api/client")
route = table.route

REFERRAL_ALPHABET = string.digits + string.ascii_uppercase


def broken_500(code: str = "Error") -> PanelError:
    """The 500 of a route whose code is broken in Jexactyl itself (§9.6)."""
    return PanelError(500, code, GENERIC_500)


def _user_email(ctx: Ctx, user_id: int | None, default: str = "system") -> str:
    user = ctx.store.users.get(user_id) if user_id is not None else None
    return user.email if user is not None else default


# ------------------------------------------------------------------------------------ account
@route("GET", "/account/logs")
def get_logs(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/logs``: routed to ``AccountLogController``, removed after v3.0.0 (500)."""
    raise broken_500()


@route("DELETE", "/account/logs")
def delete_logs(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /account/logs``: same missing controller (500)."""
    raise broken_500()


@route("POST", "/account/verify")
def verify(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/verify``: queues a verification e-mail."""
    ctx.store.jexactyl.verification_requests.append(ctx.user.id)
    return json_response({"success": True, "data": []})


@route("POST", "/account/coupon")
def coupon(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/coupon``: adds the coupon's credits to the balance."""
    coupons = ctx.store.jexactyl.coupons
    found = coupons.get(str(ctx.field("code") or ""))
    if found is None:
        raise display_error("DisplayException", "Invalid coupon code specified.")
    if found.expired:
        raise display_error("DisplayException", "This coupon has expired.")
    if found.uses < 1:
        raise display_error("DisplayException", "This coupon has no uses left.")
    ctx.user.store.balance += found.credits
    found.uses -= 1
    return no_content()


@route("PUT", "/account/username")
def update_username(ctx: Ctx) -> web.StreamResponse:
    """``PUT /account/username``: password checked first (authorize), then the username rules."""
    if ctx.field("password") != ctx.user.password:
        raise display_error("InvalidPasswordProvidedException", "The password provided was invalid for this account.")
    user = ctx.user

    def unique(value: Any) -> bool:
        return all(u.username != str(value) or u.id == user.id for u in ctx.store.users.values())

    ctx.validate([("username", ["required", "string", "between:1,191", check("unique", unique)])])
    old = user.username
    user.username = str(ctx.field("username"))
    user.updated_at = utcnow()
    ctx.store.log(
        "user:account.username-changed", actor=user, properties={"old": old, "new": user.username}, ip=ctx.ip
    )
    return no_content()


@route("GET", "/account/activity/latest")
def latest_activity(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/activity/latest``: the newest entry (none: the transformer gets null, a 500)."""
    rows = [a for a in ctx.store.activity if a.subject_user_id == ctx.user.id]
    if not rows:
        raise PanelError(500, "TypeError", GENERIC_500)
    newest = max(enumerate(rows), key=lambda pair: (pair[1].timestamp, pair[0]))[1]
    return json_response(t.activity(ctx.store, newest, ctx.user, False))


# ------------------------------------------------------------------------------------ referrals
def _referral_code(code: FakeReferralCode) -> dict[str, Any]:
    return item("referral_code", {"code": code.code, "created_at": t.iso(code.created_at)})


@route("GET", "/account/referrals")
def list_referral_codes(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/referrals``."""
    codes = [c for c in ctx.store.jexactyl.referral_codes if c.user_id == ctx.user.id]
    return json_response(list_of(_referral_code(c) for c in codes))


@route("GET", "/account/referrals/activity")
def referral_activity(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/referrals/activity``: who used the user's codes."""
    uses = [u for u in ctx.store.jexactyl.referral_uses if u.referrer_id == ctx.user.id]
    return json_response(
        list_of(
            item(
                "referral_uses",
                {
                    "code": u.code,
                    "user_id": u.user_id,
                    "created_at": t.iso(u.created_at),
                    "user_email": _user_email(ctx, u.user_id, ""),
                },
            )
            for u in uses
        )
    )


@route("POST", "/account/referrals")
def create_referral_code(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/referrals``: a 16-character code, at most five per user."""
    data = ctx.store.jexactyl
    if sum(1 for c in data.referral_codes if c.user_id == ctx.user.id) >= 5:
        raise display_error("DisplayException", "You cannot have more than 5 referral codes.")
    code = FakeReferralCode(
        id=ctx.store.next_id("referral_codes"),
        user_id=ctx.user.id,
        code=ctx.store.random_string(16, REFERRAL_ALPHABET),
    )
    data.referral_codes.append(code)
    return json_response(_referral_code(code))


@route("PUT", "/account/referrals/use-code")
def use_referral_code(ctx: Ctx) -> web.StreamResponse:
    """``PUT /account/referrals/use-code``: credits both users; an unknown code dereferences null (500)."""
    user, data = ctx.user, ctx.store.jexactyl
    if user.referral_code:
        raise display_error("DisplayException", "You have already used a referral code.")
    code = str(ctx.field("code") or "")
    found = next((c for c in data.referral_codes if c.code == code), None)
    if found is None:
        raise PanelError(500, "ErrorException", GENERIC_500)
    if found.user_id == user.id:
        raise display_error("DisplayException", "You can't use your own referral code.")
    reward = data.settings.referral_reward
    user.referral_code = code
    user.store.balance += reward
    referrer = ctx.store.users.get(found.user_id)
    if referrer is not None:
        referrer.store.balance += reward
    data.referral_uses.append(
        FakeReferralUse(id=ctx.store.next_id("referral_uses"), user_id=user.id, code=code, referrer_id=found.user_id)
    )
    return no_content()


@route("DELETE", "/account/referrals/{code}")
def delete_referral_code(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /account/referrals/{code}``: 404 unless it is one of the user's codes."""
    data = ctx.store.jexactyl
    found = next((c for c in data.referral_codes if c.code == ctx.params["code"] and c.user_id == ctx.user.id), None)
    if found is None:
        raise not_found()
    data.referral_codes.remove(found)
    return no_content()


# ------------------------------------------------------------------------------------ discord
@route("GET", "/account/discord")
def discord_link(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/discord``: a JSON array holding the OAuth URL."""
    callback = f"{ctx.runtime.url}/api/client/account/discord/callback"
    client_id = ctx.store.jexactyl.settings.discord_client_id
    url = (
        f"https://discord.com/api/oauth2/authorize?client_id={client_id}&redirect_uri={callback}"
        "&response_type=code&scope=identify%20email%20guilds%20guilds.join&prompt=none"
    )
    return json_response([url])


@route("GET", "/account/discord/callback")
def discord_callback(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/discord/callback``: links a (fake) Discord id and redirects to ``/account``."""
    if ctx.query.get("code"):
        ctx.user.discord_id = str(100000000000000000 + ctx.user.id)
    return web.Response(status=302, headers={"Location": f"{ctx.runtime.url}/account"})


@route("POST", "/account/discord/unlink")
def discord_unlink(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/discord/unlink``."""
    ctx.user.discord_id = None
    return no_content()


# ------------------------------------------------------------------------------------ tickets
def _ticket(ctx: Ctx, ticket: FakeTicket) -> dict[str, Any]:
    return item(
        "ticket",
        {
            "id": ticket.id,
            "staff_email": _user_email(ctx, ticket.staff_id),
            "title": ticket.title,
            "status": ticket.status,
            "content": ticket.content,
            "created_at": t.iso(ticket.created_at),
            "updated_at": t.iso(ticket.updated_at),
        },
    )


def _find_ticket(ctx: Ctx) -> FakeTicket:
    """``Ticket::findOrFail($id)``: any user's ticket (the routes check no ownership)."""
    value = ctx.params["id"]
    found = next((x for x in ctx.store.jexactyl.tickets if value.isdigit() and x.id == int(value)), None)
    if found is None:
        raise not_found()
    return found


@route("GET", "/account/tickets")
def list_tickets(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/tickets``: the user's tickets."""
    tickets = [x for x in ctx.store.jexactyl.tickets if x.client_id == ctx.user.id]
    return json_response(list_of(_ticket(ctx, x) for x in tickets))


@route("GET", "/account/tickets/{id}")
def get_ticket(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/tickets/{id}`` (no ownership check, as in Jexactyl)."""
    return json_response(_ticket(ctx, _find_ticket(ctx)))


@route("GET", "/account/tickets/{id}/messages")
def list_ticket_messages(ctx: Ctx) -> web.StreamResponse:
    """``GET /account/tickets/{id}/messages`` (no ownership check; an unknown id lists nothing)."""
    value = ctx.params["id"]
    messages = [m for m in ctx.store.jexactyl.ticket_messages if value.isdigit() and m.ticket_id == int(value)]
    return json_response(
        list_of(
            item(
                "ticket_messages",
                {
                    "id": m.id,
                    "user_email": _user_email(ctx, m.user_id),
                    "content": m.content,
                    "created_at": t.iso(m.created_at),
                    "updated_at": t.iso(m.updated_at),
                },
            )
            for m in messages
        )
    )


@route("POST", "/account/tickets")
def create_ticket(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/tickets``: ``{"id": n}``; refused above ``jexactyl::tickets:max``."""
    data = ctx.store.jexactyl
    total = sum(1 for x in data.tickets if x.client_id == ctx.user.id)
    if data.settings.tickets_max <= total:
        raise display_error("DisplayException", f"You already have {total} tickets open.")
    description = str(ctx.field("description") or "")
    ticket = FakeTicket(
        id=ctx.store.next_id("tickets"),
        client_id=ctx.user.id,
        title=str(ctx.field("title") or ""),
        content=description,
    )
    data.tickets.append(ticket)
    data.ticket_messages.append(
        FakeTicketMessage(
            id=ctx.store.next_id("ticket_messages"), ticket_id=ticket.id, user_id=ctx.user.id, content=description
        )
    )
    return json_response({"id": ticket.id})


@route("POST", "/account/tickets/{id}/messages")
def create_ticket_message(ctx: Ctx) -> web.StreamResponse:
    """``POST /account/tickets/{id}/messages``."""
    ticket = _find_ticket(ctx)
    ctx.store.jexactyl.ticket_messages.append(
        FakeTicketMessage(
            id=ctx.store.next_id("ticket_messages"),
            ticket_id=ticket.id,
            user_id=ctx.user.id,
            content=str(ctx.field("description") or ""),
        )
    )
    ticket.updated_at = utcnow()
    return no_content()


@route("DELETE", "/account/tickets/{id}")
def delete_ticket(ctx: Ctx) -> web.StreamResponse:
    """``DELETE /account/tickets/{id}``: the ticket and its messages."""
    ticket = _find_ticket(ctx)
    data = ctx.store.jexactyl
    data.tickets.remove(ticket)
    data.ticket_messages[:] = [m for m in data.ticket_messages if m.ticket_id != ticket.id]
    return no_content()


ROUTES: list[Route] = table.routes
