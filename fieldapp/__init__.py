"""fieldapp: the domain of the field-service product.

Tables, rules and services shared by the engineer's app and HQ. This package never
imports Qt or an HTTP library, so every rule runs in tests, scripts and on the server.
"""

__version__ = "0.1.0"
