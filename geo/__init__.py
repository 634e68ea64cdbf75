"""stationfinder's library: stations, nearest queries, street networks, coverage and siting."""

from geo.errors import *  # noqa: F403
from geo.errors import __all__ as _errors_all
from geo.types import *  # noqa: F403
from geo.types import __all__ as _types_all

__version__ = "0.1.0"
__all__ = [*_errors_all, *_types_all, "__version__"]
