"""Pages that update themselves: a stream of "something you watch changed" hints (Server-Sent
Events), read from the database so that any number of web processes agree. See
docs/architecture.md, "Live pages"."""
