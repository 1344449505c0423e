# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``WWW-Authenticate`` challenges (RFC 7235 section 4.1, the syntax of RFC 7230 3.2.6).

A registry answers a request without acceptable credentials with ``401`` and one or more
challenges: ``Basic realm="..."`` or the distribution token spec's
``Bearer realm="<token service>",service="<name>",scope="repository:<name>:pull"``
(distribution ``docs/spec/auth/token.md``). Quoted values may hold commas and escaped
quotes, so the header is parsed, not split.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: scheme (lower case) and its parameters."""

    scheme: str
    params: dict = field(default_factory=dict)

    @property
    def realm(self):
        return self.params.get("realm")

    @property
    def service(self):
        return self.params.get("service")

    @property
    def scope(self):
        return self.params.get("scope")


def _skip_ws(text, pos):
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_token(text, pos):
    start = pos
    while pos < len(text) and text[pos] not in ' \t,="':
        pos += 1
    return text[start:pos], pos


def _read_quoted(text, pos):
    # text[pos] == '"'; RFC 7230 quoted-string with backslash escapes
    pos += 1
    out = []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    return "".join(out), pos


def parse_www_authenticate(value):
    """Parse a ``WWW-Authenticate`` value (possibly several comma-joined challenges).

    ``Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"``
    gives ``[Challenge("bearer", {"realm": ..., "service": ..., "scope": ...})]``. Parameter
    names are lower-cased; quoted values may contain commas and escaped quotes.
    """
    challenges = []
    if not value:
        return challenges
    text = value
    pos = 0
    current = None
    while pos < len(text):
        pos = _skip_ws(text, pos)
        if pos >= len(text):
            break
        if text[pos] == ",":
            pos += 1
            continue
        token, after = _read_token(text, pos)
        if not token:  # stray quote or '=': skip one character
            pos += 1
            continue
        probe = _skip_ws(text, after)
        if probe < len(text) and text[probe] == "=" and current is not None:
            # auth-param: name = token | quoted-string
            probe = _skip_ws(text, probe + 1)
            if probe < len(text) and text[probe] == '"':
                param_value, pos = _read_quoted(text, probe)
            else:
                param_value, pos = _read_token(text, probe)
                # token68-like values may end in '=' padding
                while pos < len(text) and text[pos] == "=":
                    param_value += "="
                    pos += 1
            current.params[token.lower()] = param_value
            continue
        # a new challenge: auth-scheme
        current = Challenge(scheme=token.lower(), params={})
        challenges.append(current)
        pos = after
        # token68 form (scheme followed by a bare token) is kept as the "token68" parameter
        probe = _skip_ws(text, pos)
        if pos < probe < len(text) and text[probe] not in ',"':
            token68, end = _read_token(text, probe)
            while end < len(text) and text[end] == "=":
                token68 += "="
                end += 1
            rest = _skip_ws(text, end)
            if token68 and (rest >= len(text) or text[rest] == ","):
                current.params["token68"] = token68
                pos = end
    return challenges
