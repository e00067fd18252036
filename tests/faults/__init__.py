"""The fault suite: every vendor's simulated PBX misbehaving, seen through Home Assistant."""
