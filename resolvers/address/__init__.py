"""Address resolution: free-text addresses linked to the standard address library (building, room).

``resolve(library, text)`` parses the text (:func:`parse_address`) and matches it
(:func:`match_address`) against an :class:`AddressLibrary` built from the library's rooms.
"""

from resolvers.address.library import AddressLibrary, StandardBuilding, StandardRoom
from resolvers.address.match import AddressMatch, Candidate, Status, match_address, resolve
from resolvers.address.parse import ParsedAddress, parse_address

__all__ = [
    "AddressLibrary",
    "AddressMatch",
    "Candidate",
    "ParsedAddress",
    "StandardBuilding",
    "StandardRoom",
    "Status",
    "match_address",
    "parse_address",
    "resolve",
]
