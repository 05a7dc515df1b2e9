"""What each account subscribed to: the actions, the settings record, the signing secrets."""
