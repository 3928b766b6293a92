"""certbridge: one registry for China's vocational skill certificates."""

__version__ = "0.1.0"
