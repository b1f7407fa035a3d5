"""The foundation every layer shares: the error root, atomic files, the hub, progress hooks.
The bottom layer: it imports no other part of instructprobe."""
