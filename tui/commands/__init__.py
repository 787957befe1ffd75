"""The CLI's subcommands that live in their own module; tui/cli.py registers each one."""
