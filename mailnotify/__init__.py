"""mailnotify: account-level notification settings of a hosted mail provider."""
