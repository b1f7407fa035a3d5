"""One module per ``probe`` subcommand. Each has ``add(commands)``, which registers its parser
and sets ``handler``; modules import only the standard library at the top, so ``--help`` is
instant."""

COMMAND_MODULES = (
    "instructprobe.app.commands.run",
    "instructprobe.app.commands.listing",
    "instructprobe.app.commands.setup",
    "instructprobe.app.commands.validate",
    "instructprobe.app.commands.fetch",
    "instructprobe.app.commands.cache",
    "instructprobe.app.commands.search",
    "instructprobe.app.commands.report",
    "instructprobe.app.commands.compare",
    "instructprobe.app.commands.gate",
)
