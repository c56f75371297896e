"""The local channel: terminal chat and the local web chat page. Needs no accounts."""
