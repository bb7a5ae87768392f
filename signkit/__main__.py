"""`python -m signkit` runs the command line."""

from signkit.cli import main

main()
