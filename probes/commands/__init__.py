"""One module per ``probe`` subcommand. Each has ``add(commands)``, which registers its parser
and sets ``handler``; modules import only the standard library at the top, so ``--help`` is
instant."""

COMMAND_MODULES = (
    "probes.commands.run",
    "probes.commands.listing",
    "probes.commands.setup",
    "probes.commands.validate",
    "probes.commands.fetch",
    "probes.commands.cache",
    "probes.commands.search",
    "probes.commands.report",
    "probes.commands.compare",
    "probes.commands.gate",
)
