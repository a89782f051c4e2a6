"""The demo centre: a recent history of tickets made through the real services, so that a
newcomer's first look at `closeloop init --demo` shows a centre at work (see docs/demo.md)."""
