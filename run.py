"""Development entry point: make the database ready, then serve on 127.0.0.1:8080.

    python run.py [--port N] [--host H]      (PORT also sets the port)
"""
import argparse
import os

from app import create_app
from app.bootstrap import bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description="Rekomstat development server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        password = bootstrap()
        if password:
            # Shown once: it is not stored anywhere in clear.
            print(f"\n  First admin: {app.config['ADMIN_USERNAME']} / {password}\n")
    print(f"  Rekomstat on http://{args.host}:{args.port}/  (staff: /admin/)\n")
    app.run(host=args.host, port=args.port, debug=args.debug, use_reloader=False)


if __name__ == "__main__":
    main()
