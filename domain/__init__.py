"""The types every floor shares: messages in and out (Incoming, Reply, Notification) and the roster
Person. Below handlers/ and storage/ alike, importing nothing of the project's own."""
