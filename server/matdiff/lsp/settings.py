"""The ``matdiff`` settings section: read after ``initialized`` (when the client can be
asked) and on each ``workspace/didChangeConfiguration``; a change re-analyses every open
document.  A client that does not answer ``workspace/configuration`` within
:data:`ANSWER_WITHIN` seconds gets the defaults (the request is then cancelled, so that
nothing waits for it forever)."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from matdiff.features.snapshot import Settings
from matdiff.lsp.session import MatdiffServer, server

log = logging.getLogger("matdiff.lsp")
ANSWER_WITHIN = 10.0


@server.feature(types.INITIALIZED)
async def on_initialized(ls: MatdiffServer, params: types.InitializedParams) -> None:
    ls.warm_parser()  # (the one handler of `initialized` is here)
    await _load_settings(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: MatdiffServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and "matdiff" in settings:  # pushed with the notification
        _apply_settings(ls, settings["matdiff"])
    else:
        await _load_settings(ls)


async def _load_settings(ls: MatdiffServer) -> None:
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        _apply_settings(ls, {})
        return
    try:
        items = [types.ConfigurationItem(section="matdiff")]
        asked = ls.workspace_configuration_async(types.ConfigurationParams(items=items))
        got = await asyncio.wait_for(asked, ANSWER_WITHIN)
        _apply_settings(ls, got[0] if got else {})
    except TimeoutError:
        log.warning("matdiff: no answer to workspace/configuration: the default settings")
        _apply_settings(ls, {})
    except Exception:
        log.exception("could not read the settings")
        _apply_settings(ls, {})


def _apply_settings(ls: MatdiffServer, raw: object) -> None:
    ls.settings, ignored = Settings.read(raw, ls.markdown())
    for why in ignored:  # the client's log says what was not taken
        log.warning("matdiff: %s", why)
        ls.window_log_message(
            types.LogMessageParams(type=types.MessageType.Warning, message=f"matdiff: {why}")
        )
    for uri in list(ls.snapshots):
        ls.refresh(uri)
