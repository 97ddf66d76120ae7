"""The pipeline's own error: a failure the user can fix, told in one line."""

from __future__ import annotations


class PipelineError(Exception):
    """A failure the user can fix; its message is one line that says how."""
