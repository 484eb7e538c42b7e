"""`python -m bot.console [--user ROLE|EMAIL] [--script FILE]`."""

from __future__ import annotations

import argparse
import sys

from bot.console import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bot.console", description="try the Slack app in a terminal"
    )
    parser.add_argument("--user", default=None, help="sandbox user: a role or an email")
    parser.add_argument("--script", default=None, help="read the session from this file")
    args = parser.parse_args()
    sys.exit(main(user=args.user, script=args.script))
