"""One module per ``probe`` subcommand. Each has ``add(commands)``, which registers its parser
and sets ``handler``; modules import only the standard library at the top, so ``--help`` is
instant."""

COMMAND_MODULES = (
    "instructprobe.probes.commands.run",
    "instructprobe.probes.commands.listing",
    "instructprobe.probes.commands.setup",
    "instructprobe.probes.commands.validate",
    "instructprobe.probes.commands.fetch",
    "instructprobe.probes.commands.cache",
    "instructprobe.probes.commands.search",
    "instructprobe.probes.commands.report",
    "instructprobe.probes.commands.compare",
    "instructprobe.probes.commands.gate",
)
