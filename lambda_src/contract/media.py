"""Images in chat messages: the formats and sizes the router takes, and the hosts it may fetch them from.

A chat message's `image_url` part is a data URL (`data:image/png;base64,...`), or an
https URL whose host the operator allowed in the `image_url_hosts` input (written into
the configuration document as `image_url_hosts`). Nothing else is fetched: a remote
URL is otherwise a way to make the gateway call into its own network (SSRF).
The limits are Bedrock Converse's (the strictest backend).
"""

from __future__ import annotations

# Formats by the media type a data URL names; the bytes must be of that format.
IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}
MAX_IMAGE_BYTES = 3_750_000
MAX_IMAGES_PER_REQUEST = 20
# The longest a fetch from an allowed host may take, and how many hosts may be allowed.
FETCH_TIMEOUT_SECONDS = 5.0
MAX_IMAGE_HOSTS = 50
# A DNS host name (no scheme, port, path or wildcard), lower case.
HOST_PATTERN = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?[.])+[a-z]{2,63}$"

HOSTS_INVALID = (
    "image_url_hosts must be a list of at most "
    + f"{MAX_IMAGE_HOSTS} lower-case DNS host names matching "
    + HOST_PATTERN
)
