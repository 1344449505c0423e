# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one root of every error a user can cause or fix.

Each domain (registry, release, mirror, image build, MachineConfig, Kubernetes access)
derives its errors from :class:`MachineOSError`. A message says what failed, why and what
to do, in one sentence; ``context`` holds the keys a module adds to its failure result
(the object at fault, the registry, a partial result). ``module_runner.run_module`` is the
one place that turns one into ``fail_json`` (``fail_kwargs``), so every module's failure has
the same shape: ``msg``, ``error`` (the class name) and the context keys. Messages and context never carry credentials,
tokens, Authorization headers or auth-file content.
"""


class MachineOSError(Exception):
    """Base class: ``message`` is the user-facing text, ``context`` the failure result's extra keys."""

    def __init__(self, message, **context):
        super().__init__(message)
        self.message = message
        self.context = {key: value for key, value in context.items() if value is not None}

    def __str__(self):
        return self.message

    def prefixed(self, prefix):
        """The same error with ``prefix: `` in front of its message (where it happened)."""
        self.message = f"{prefix}: {self.message}"
        self.args = (self.message,)
        return self

    def reworded(self, message):
        """The same error (class and context) with another message, e.g. one naming the option at fault."""
        self.message = message
        self.args = (message,)
        return self

    def with_context(self, **context):
        """The same error with more context keys; keys it already has win (they are more precise)."""
        merged = dict(context)
        merged.update(self.context)
        self.context = merged
        return self

    def fail_kwargs(self):
        """Keyword arguments for ``fail_json``: ``msg``, ``error`` (the class name), the context."""
        result = dict(self.context)
        result["msg"] = self.message
        result["error"] = type(self).__name__
        return result


class MissingDependencyError(MachineOSError):
    """A Python library or a collection the task needs is not installed where the module runs."""
