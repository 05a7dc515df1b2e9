"""The outbox: deliveries written with their events, then claimed, sent and recorded.

- ``writer``: collects events and deliveries into the transaction that raised them.
- ``wake``: the signal that new deliveries wait.
- ``store``: the only code that changes a queued delivery (claim, record).
- ``jobs``: the values passed between phases (``Job``, ``Skipped``, ``Result``).
- ``dispatch``: a job to an outcome, reading the settings at send time.
- ``worker``: the loop, leases and concurrency.
- ``build``: the worker and its senders, built once from ``Settings``.
"""
