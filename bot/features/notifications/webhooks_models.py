"""The firm's Affinity webhook, as the app registered it: one row per Affinity tenant."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base
from vault.models import UTCDateTime


class WebhookRegistration(Base):
    """The webhook that tells the app an Affinity tenant changed. Its delivery URL ends in a
    secret only Affinity and this row know; the row keeps the secret's SHA-256, never the secret.
    `webhook_id` is None while `/affinity webhooks on` waits for Affinity's answer."""

    __tablename__ = "notify_webhooks"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))  # the admin's identifier (their key)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_delivery_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deliveries: Mapped[int] = mapped_column(Integer, default=0)


class FieldList(Base):
    """The list a list-specific field belongs to, as the polls saw it in Affinity's change
    history: a webhook delivery about a value of that field hurries that list's polls only."""

    __tablename__ = "notify_field_lists"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    field_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # as V1 and deliveries say it
    list_id: Mapped[int] = mapped_column(Integer)
