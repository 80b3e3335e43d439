"""What the gateway tells its parent: JSON event lines on stdout, log lines on stderr, exit codes (docs/webrtc.md)."""

import json
import sys

EXIT_OK, EXIT_BAD_OFFER, EXIT_NEGOTIATION, EXIT_RELAY, EXIT_IDLE = 0, 2, 3, 4, 5


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def log(text):
    sys.stderr.write("webrtc-gateway: " + text + "\n")
    sys.stderr.flush()
