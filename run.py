"""Development entry point: make the database ready, then serve on 127.0.0.1:8080.

    python run.py [--port N] [--host H]      (PORT and HOST set them too)

Links in e-mails and the letters' QR code follow the address served here unless
PUBLIC_BASE_URL says otherwise. The last lines printed say where to go and, on the first run,
the admin's password.
"""
import argparse
import os

from werkzeug.serving import make_server

from app import create_app
from app.letters import document as letters
from app.ops.bootstrap import bootstrap, first_run_notice
from app.ops.cli import housekeeping
from config import local_base_url


def settings(host: str, port: int) -> dict:
    """The app's settings for serving on host:port: an explicit PUBLIC_BASE_URL wins."""
    if os.environ.get("PUBLIC_BASE_URL", "").strip():
        return {}
    return {"PUBLIC_BASE_URL": local_base_url(host, port)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Rekomstat development server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or "8080"))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()

    app = create_app(settings(args.host, args.port))
    server = None
    if not args.debug:  # (werkzeug's debugger and its PIN need werkzeug's own runner)
        # The port first: a busy one stops here (werkzeug says so), before a first admin's
        # password is made and shown for a server that never starts.
        server = make_server(args.host, args.port, app, threaded=True)
    with app.app_context():
        admin = bootstrap()
        housekeeping()  # old one-time form tokens, interrupted uploads' .part files
        # Last on the screen, after the migration log: where to go and who to sign in as.
        print(first_run_notice(admin, local_base_url(args.host, args.port)), flush=True)
    letters.warm_up(background=True)  # the first letter's PDF set-up, off the officer's click
    if server is None:
        app.run(host=args.host, port=args.port, debug=True, use_reloader=False)
    else:
        server.serve_forever()


if __name__ == "__main__":
    main()
