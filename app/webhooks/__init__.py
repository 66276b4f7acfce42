"""Webhooks: signed POSTs of content events to subscribed URLs, sent by `citedb worker`."""
