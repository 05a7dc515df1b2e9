"""The outbox: deliveries written with their events, sent by the worker, kept as a log."""
