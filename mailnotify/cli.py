"""The ``mailnotify`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from mailnotify import accounts, logs, migrate
from mailnotify.config import ConfigError, Settings, load_settings
from mailnotify.db import make_engine, writing
from mailnotify.models import Role

Command = Callable[[argparse.Namespace, Settings], int]


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _print(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    print(json.dumps(data) if getattr(args, "json", False) else text)


def _check_delivery(settings: Settings) -> None:
    """Raise ConfigError now for delivery settings that would only fail once running."""
    from mailnotify.addresses import AddressPolicy
    from mailnotify.outbox.build import build_senders

    build_senders(settings, AddressPolicy.from_networks(settings.allow_networks))


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    _check_delivery(settings)
    # Before uvicorn and the app are imported: their import-time warnings become JSON.
    logs.configure(settings.log_level)
    from mailnotify.server import serve

    return serve(settings, host=args.host, port=args.port, workers=args.workers)


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    with _engine(settings) as engine:
        migrate.upgrade(engine)
    print("database is at the latest revision", file=sys.stderr)
    return 0


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    with _engine(settings) as engine, writing(engine) as session:
        created = accounts.create_user(
            session=session, role=Role(args.role), name=args.name, customer_code=args.customer
        )
    _print(
        args,
        {"code": created.code, "token": created.token},
        f"created {args.role} {created.code}\ntoken (shown once): {created.token}",
    )
    return 0


def _users_set_disabled(disabled: bool) -> Command:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        with _engine(settings) as engine, writing(engine) as session:
            accounts.set_disabled(session=session, code=args.code, disabled=disabled)
        print(f"{args.code} {'disabled' if disabled else 'enabled'}", file=sys.stderr)
        return 0

    return run


def _tokens_create(args: argparse.Namespace, settings: Settings) -> int:
    with _engine(settings) as engine, writing(engine) as session:
        token = accounts.create_token(session=session, code=args.code)
    _print(args, {"code": args.code, "token": token}, f"token (shown once): {token}")
    return 0


def _tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _engine(settings) as engine, writing(engine) as session:
        if args.user:
            count = accounts.revoke_user_tokens(session=session, code=args.user)
        else:
            count = accounts.revoke_token(session=session, token_or_id=args.token)
    _print(args, {"revoked": count}, f"revoked {count} token(s)")
    return 0 if count or args.user else 1


def _worker(_args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import signal

    _check_delivery(settings)
    logs.configure(settings.log_level)
    from mailnotify import ending, metrics
    from mailnotify.outbox.build import build_worker

    received: list[int] = []

    def stop_on(signum: int, stop: asyncio.Event) -> None:
        if not received:
            ending.end_within()
        received.append(signum)
        stop.set()

    async def run(engine: Engine) -> None:
        metrics.join_multiprocess_dir()
        worker = build_worker(settings, engine, metrics=metrics.Metrics())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_on, sig, stop)
        await worker.run(stop)
        if received:
            # Drained: what is left are threads that may wait on the database for ever.
            ending.end_by(received[0])

    with _engine(settings) as engine:
        asyncio.run(run(engine))
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from mailnotify.addresses import AddressPolicy
    from mailnotify.app import load_spec
    from mailnotify.clock import now_ms
    from mailnotify.ingest import IngestError, ingest
    from mailnotify.quota import Thresholds
    from mailnotify.validation import component_schema, format_checker

    path = Path(args.file)
    if not path.is_file():
        print(f"mailnotify: no such file: {path}", file=sys.stderr)
        return 2
    checker = format_checker(AddressPolicy.from_networks(settings.allow_networks))
    try:
        with _engine(settings) as engine:
            summary = ingest(
                path,
                engine=engine,
                schema=component_schema(load_spec(settings), "UsageBatch", checker),
                thresholds=Thresholds.from_settings(settings),
                now_ms=now_ms(),
                progress=sys.stderr,
            )
    except IngestError as exc:
        shown = exc.problems[:20]
        more = len(exc.problems) - len(shown)
        print("\n".join(f"mailnotify: {p}" for p in shown), file=sys.stderr)
        if more:
            print(f"mailnotify: ... and {more} more", file=sys.stderr)
        print(
            f"mailnotify: {exc.applied_lines:,} reports before these were applied; "
            "fix the file and ingest it again (applied reports are not applied twice)",
            file=sys.stderr,
        )
        return 1
    _print(
        args,
        {
            "lines": summary.lines,
            "applied": summary.applied,
            "ignored": summary.ignored,
            "events": summary.events,
            "seconds": round(summary.seconds, 3),
        },
        f"{summary.lines:,} reports in {summary.seconds:.1f}s ({summary.rate:,.0f}/s): "
        f"{summary.applied:,} applied, {summary.ignored:,} ignored as older, "
        f"{summary.events:,} events raised",
    )
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    top = argparse.ArgumentParser(prog="mailnotify", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API, the docs and the delivery worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="server processes on the port (with N > 1, one more runs the delivery worker)",
    )
    serve.set_defaults(run=_serve)

    commands.add_parser("worker", help="run the delivery worker alone").set_defaults(run=_worker)
    ingest = commands.add_parser("ingest", help="apply usage reports from a JSON Lines file")
    ingest.add_argument("file", metavar="FILE.jsonl", help="one usage report per line")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(run=_ingest)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="migrate to the latest revision").set_defaults(run=_db_upgrade)

    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True, metavar="ACTION"
    )
    create = users.add_parser("create", help="create a user and its first token")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", default="")
    create.add_argument("--customer", metavar="CODE", help="the customer this user belongs to")
    create.add_argument("--json", action="store_true", help='print {"code": ..., "token": ...}')
    create.set_defaults(run=_users_create)
    for action, disabled in (("disable", True), ("enable", False)):
        sub = users.add_parser(action, help=f"{action} a user")
        sub.add_argument("code")
        sub.set_defaults(run=_users_set_disabled(disabled))

    tokens = commands.add_parser("tokens", help="manage API tokens").add_subparsers(
        dest="tokens_command", required=True, metavar="ACTION"
    )
    tcreate = tokens.add_parser("create", help="issue a new token for a user")
    tcreate.add_argument("code")
    tcreate.add_argument("--json", action="store_true")
    tcreate.set_defaults(run=_tokens_create)
    revoke = tokens.add_parser("revoke", help="revoke a token (whole, or by its id)")
    target = revoke.add_mutually_exclusive_group(required=True)
    target.add_argument("token", nargs="?", help="the token, or its 16-character id")
    target.add_argument("--user", metavar="CODE", help="revoke every token of this user")
    revoke.add_argument("--json", action="store_true")
    revoke.set_defaults(run=_tokens_revoke)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        run: Command = args.run
        return run(args, settings)
    except ConfigError as exc:
        print(f"mailnotify: configuration error: {exc}", file=sys.stderr)
        return 2
    except accounts.UnknownUser as exc:
        print(f"mailnotify: no user has the code {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
