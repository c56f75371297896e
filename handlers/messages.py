"""The message types moved to domain/messages.py (below handlers/ and storage/). This name is kept
only so branches written before the move still import; new code imports domain.messages."""
from domain.messages import (MAX_FILE_BYTES, Button, Form, FormField, Incoming, IncomingFile,  # noqa: F401
                             Notification, Person, Reply, clean_incoming, reply_from_dict, reply_to_dict,
                             without_lone_surrogates)
