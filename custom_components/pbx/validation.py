"""The schema library of the running Home Assistant, as `vol`.

Home Assistant 2026.9 replaced voluptuous with probatio, which mirrors its API (and stands
in for `import voluptuous`); older releases have voluptuous only.
"""

try:
    import probatio as vol
except ImportError:  # Home Assistant before 2026.9
    import voluptuous as vol  # type: ignore[no-redef]

__all__ = ["vol"]
