"""The sandbox's users as Slack users of the console's one workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

from affinity_client.sandbox import seed

TEAM_ID = "T0NORTHWD"
CHANNEL_ID = "C0DEALS01"  # where slash commands are typed ("#deals")
TIME_ZONE = seed.PACIFIC.key
"""Every console user's Slack time zone: the firm's, where Affinity keeps dates and the sandbox's
seed counts its days, so that "today" in a command is the day of the seeded reviews, reminders
and meetings."""


@dataclass(frozen=True)
class ConsoleUser:
    """A sandbox (Affinity) user and the Slack identity the console gives them."""

    role: str
    name: str
    email: str
    slack_user_id: str
    api_key: str = field(repr=False)

    @property
    def handle(self) -> str:
        return self.name.split()[0].lower()


def sandbox_users() -> list[ConsoleUser]:
    """Every seeded sandbox user with a key, in the seed's order (the admin first)."""
    return [
        ConsoleUser(
            role=u["role"],
            name=f"{u['first_name']} {u['last_name']}",
            email=u["email"],
            slack_user_id=f"U0{u['first_name'].upper()[:5]:<5}".replace(" ", "0") + "01",
            api_key=u["api_key"],
        )
        for u in seed.USERS
    ]


def find_user(users: list[ConsoleUser], wanted: str | None) -> ConsoleUser | None:
    """The user whose role, email, first name or Slack id is `wanted` (None: the admin)."""
    if not wanted:
        return next((u for u in users if u.role == "admin"), users[0])
    key = wanted.strip().lower()
    for user in users:
        if key in (
            user.role,
            user.email.lower(),
            user.handle,
            user.slack_user_id.lower(),
            user.name.lower(),
        ):
            return user
    return None
