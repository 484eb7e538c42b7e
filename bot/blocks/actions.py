"""Every action_id, block_id and callback_id the Affinity views use. Listeners import these.

Where several buttons of one kind can sit in the same actions block, the builders append
`:<n>` to keep ids unique inside that block; match them with the `*_PATTERN` regexes.
"""

import re

MORE = "affinity_more"  # value: see bot.blocks.paging.decode_more_value
SHARE = "affinity_share"  # value: the command text to re-run and post in a thread
PICK = "affinity_pick"  # value: the command text of the chosen record, or
# {"w": card id, "c": command} when it writes
RUN = "affinity_run"  # value: a read-only command text ("notes deal 981")
OPEN_IN_AFFINITY = "affinity_open"  # a link button; listeners only ack it
CONNECT = "affinity_connect"  # opens the connect modal
RECONNECT = "affinity_reconnect"  # opens the connect modal for a revoked key
DISCONNECT = "affinity_disconnect"  # asks for confirmation
DISCONNECT_CONFIRM = "affinity_disconnect_confirm"
DISCONNECT_CANCEL = "affinity_disconnect_cancel"
HELP = "affinity_help"

CONNECT_MODAL = "affinity_connect_modal"  # view callback_id of the key modal
API_KEY_BLOCK = "affinity_api_key"  # block_id of the key input (also the errors key)
API_KEY_ACTION = "affinity_api_key_input"  # action_id of the key input
LINK_BLOCK = "affinity_link_identifier"  # optional: an agent identifier to link (docs/adapters.md)
LINK_ACTION = "affinity_link_identifier_input"

PICK_PATTERN = re.compile(rf"^{PICK}(:\d+)?$")
RUN_PATTERN = re.compile(rf"^{RUN}(:\d+)?$")


def numbered(action_id: str, index: int) -> str:
    """`affinity_pick`, 3 -> `affinity_pick:3` (unique inside one actions block)."""
    return f"{action_id}:{index}"
