"""VoIPSUN PBX client: the HTTP API `api/api.php?action=...` (Asterisk based).

Every request is a GET with the API user's name and password in the query string, so no URL of
this API may reach a log line or an exception unredacted (see `VoipsunClient._scrub`).
Answers are JSON: `{"success":"true"}` or `{"success":"false","errno":"100","reason":"..."}`;
lists (`listcalls`, `sipstatus`, `queuestatus`, `agentstatus`) are read tolerantly: a bare list,
an object keyed by id, or either of them wrapped in an object with `success`.

The PBX cannot push: call events come from polling `listcalls` every `calls_poll_interval`
seconds (`PolledCallsClient.async_events`), the inventory is read every `poll_interval`.

Where the document is silent, the readings below are marked `Assumed:` in the code:
- `sipstatus` lists every SIP peer, trunks included: a peer whose user name is all digits is an
  extension (its number is the SIP user name), any other peer is a trunk.
- `listcalls` lists channels, not calls: the channels of one call are those sharing a
  `linkedid` when the PBX gives one, else the same pair of `src`/`dst` numbers; the call id is the
  `linkedid`, else the name of the call's oldest channel (which lives as long as the call). The
  call's parties are its documented `src` and `dst` where they are extensions, then the phones its
  channel names show (`SIP/101-...`); a PBX may list one channel per call, the called extension
  only as `dst`.
- Channel states are Asterisk's (`Up`, `Ring`, `Ringing`, ...); hold is not visible.
- `queuestatus` without `queueName` answers every queue; agents are listed in each queue entry.
- Queue agents have their own agent numbers and PINs (the reference's example: agent 1000 for
  extension 100), which the API cannot list: the client's `agents` gives them per extension (an
  extension not there is an agent numbered like itself), `agent_pin` the PIN of those given none;
  login/logout/pause act on every queue of the agent (no queue parameter).
- errno 100 ("unauthorized user or insufficient permissions") on `sipstatus`, the credentials
  check, is a refused login; on any other action, a missing permission of the API user.

The API names no extension (`sipstatus` has no name field, and no other request lists them), so
the client's `extension_names` does (the user's `number = Name` lines). Nor can the API read the
phone directory, call records or voicemail (see `VoipsunClient.unsupported`).

Modules: `wire` (what the API answers and how it is read), `agents` (agent numbers and PINs),
`names` (extension names), `client` (`VoipsunClient`).
"""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/
#   also: https://www.voipsun.cz/doc/API_rozhran%C3%AD

from __future__ import annotations

from ..changes import calls_changes as calls_changes  # re-exported: the calls' diff
from .client import VoipsunClient
from .wire import (
    Channel,
    PbxBadReplyError,
    build_call,
    build_calls,
    decode_reply,
    describe_error,
    entries,
    error_meaning,
    parse_agent,
    parse_channel,
    parse_peers,
    parse_queue,
    peer_registered,
)

__all__ = [
    "Channel",
    "PbxBadReplyError",
    "VoipsunClient",
    "build_call",
    "build_calls",
    "calls_changes",
    "decode_reply",
    "describe_error",
    "entries",
    "error_meaning",
    "parse_agent",
    "parse_channel",
    "parse_peers",
    "parse_queue",
    "peer_registered",
]
