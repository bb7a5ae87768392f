"""signkit: composable commands for Sign Language Production."""

__version__ = "0.1.0"
