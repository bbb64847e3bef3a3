"""One module per ``kneetriage`` subcommand; each exposes a click command named ``command``."""
