"""Messages from organisers to an audience of a cycle: the list sent, writing one, its preview and sending it
(templates/organiser/messages/)."""

from awards.web.organiser.messages import routes  # noqa: F401
