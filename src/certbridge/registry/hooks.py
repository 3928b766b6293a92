"""Who else must know when a certificate's state changes.

The registry sits below the domains that react to a status change (credentials flip
their status-list bits), so it cannot call them; they register here at start-up and the
registry notifies them inside the same transaction as the history row.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

StateHook = Callable[[Session, int, str], None]
_state_hooks: list[StateHook] = []


def on_state_change(hook: StateHook) -> None:
    """Register a hook once; registering it again changes nothing."""
    if hook not in _state_hooks:
        _state_hooks.append(hook)


def notify_state_changed(session: Session, certificate_id: int, state: str) -> None:
    for hook in _state_hooks:
        hook(session, certificate_id, state)
