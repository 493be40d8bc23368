"""`python -m ui` runs the `speechqa` command line."""

from ui.cli import main

raise SystemExit(main())
