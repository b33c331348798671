"""Network types: the state transition of a delta and the commitment of a state, behind one interface."""

from guardian_network.json_network import JsonNetwork
from guardian_network.types import InvalidDelta, NetworkType, Transition

__all__ = ["InvalidDelta", "JsonNetwork", "NetworkType", "Transition"]
