"""Time-scaled copies of the shipped Prometheus rules and Alertmanager config.

The end-to-end test runs the real rules at 1/FACTOR of their time scale so that a `for: 1h`
takes a minute. The copy is generated from the shipped files on every run, never kept by
hand, so a change to the rules is tested as shipped.

What is a duration, and so divided by the factor:
  - rule keys `for`, `keep_firing_for` and a group's `interval`;
  - in PromQL, range selectors and subqueries (`[5m]`, `[30m:1m]`) and `offset 5m`;
  - numeric literals that are durations in seconds. PromQL cannot tell `> 600` (ten minutes)
    from `* 3600` (a unit conversion from per-second to per-hour), so two rules decide:
      1. a comparison whose other side is `time() - …` compares seconds of wall-clock time:
         its constant is a duration (ModelUnavailable's `> 600` and `< 86400`);
      2. a line ending in the PromQL comment `# duration` marks the comparison constants on
         that line as durations (for constants rule 1 cannot see); `# not a duration` marks
         them as not.
    Any other comparison constant in an expression that uses `time()` or `timestamp()` is
    refused: the scaler cannot know, and guessing would make the test pass or fail for the
    wrong reason.

Not durations, and kept: thresholds on ratios, on seconds of latency, and on per-hour cost.
`rate()` is per second whatever its window, so `rate(x[15s]) * 3600` is still dollars per
hour: a cost incident in the test spends real dollars per hour, only for less long.
A rule that thresholds `increase(x[1h])` (a count per window) would need its incident scaled
too; there is none today, so the scaler does not try.

Alertmanager: `group_wait`, `group_interval`, `repeat_interval` and `resolve_timeout` are
divided too; receivers are replaced by webhooks so the test sees what would have been sent.

Run as a script to print a scaled file: `python3 scripts/e2e/rule_scaling.py --factor 60 FILE`.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field

import yaml

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
_DURATION = re.compile(r"^(?:\d+(?:ms|[smhdwy]))+$")
_DURATION_PART = re.compile(r"(\d+)(ms|[smhdwy])")
_NUMBER = r"(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
_COMPARISON = r"(?:==|!=|>=|<=|>|<)"


class ScalingError(Exception):
    """A rule file the scaler cannot scale without guessing; the message says what to change."""


def parse_duration_ms(text: str) -> int:
    text = str(text).strip()
    if not _DURATION.match(text):
        raise ScalingError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNITS_MS[unit] for n, unit in _DURATION_PART.findall(text))


def format_duration_ms(ms: int) -> str:
    if ms == 0:
        return "0s"
    if ms % 1000:
        return f"{ms}ms"
    seconds = ms // 1000
    out = ""
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out


def scale_duration(text: str, factor: float) -> str:
    ms = parse_duration_ms(text)
    scaled = ms / factor
    if scaled != int(scaled):
        # Prometheus resolves durations to the millisecond; refuse rather than round silently.
        if scaled < 1 or abs(scaled - round(scaled)) > 1e-9:
            raise ScalingError(f"{text} / {factor} is not a whole number of milliseconds")
    return format_duration_ms(int(round(scaled)))


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


@dataclass
class ScalingReport:
    """What was changed, for the log: (rule, what, before, after)."""

    changes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, rule: str, what: str, before: str, after: str) -> None:
        self.changes.append((rule, what, before, after))

    def lines(self) -> list[str]:
        return [f"{rule}: {what} {before} -> {after}" for rule, what, before, after in self.changes]


def _mask_strings(expr: str) -> str:
    """The expression with string literals and comments blanked (same length), so that the
    regular expressions below never look inside a label value or a comment."""
    out = list(expr)
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" and c != "`" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = "_"
            i = j + 1
        elif c == "#":
            j = expr.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


def scale_expr(expr: str, factor: float, rule: str, report: ScalingReport) -> str:
    masked = _mask_strings(expr)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in expr

    # Range selectors and subqueries: [5m], [30m:1m], [1h:].
    for m in re.finditer(r"\[\s*([0-9a-z]+)\s*(?::\s*([0-9a-z]*)\s*)?\]", masked):
        for group in (1, 2):
            text = m.group(group)
            if text:
                new = scale_duration(text, factor)
                edits.append((m.start(group), m.end(group), new))
                report.add(rule, "range", text, new)
    for m in re.finditer(r"\boffset\s+-?\s*([0-9a-z]+)", masked):
        new = scale_duration(m.group(1), factor)
        edits.append((m.start(1), m.end(1), new))
        report.add(rule, "offset", m.group(1), new)

    # Comparison constants that are seconds of wall-clock time.
    durations: set[int] = set()  # start offsets of numeric literals to scale
    forward = re.compile(rf"time\(\)\s*-(?:[^<>=!]|!~|=~)*?{_COMPARISON}\s*(?:bool\s+)?({_NUMBER})(?![\w.])")
    backward = re.compile(rf"(?<![\w.])({_NUMBER})\s*{_COMPARISON}\s*(?:bool\s+)?\(?\s*time\(\)\s*-")
    for pattern in (forward, backward):
        for m in pattern.finditer(masked):
            durations.add(m.start(1))
    # Lines marked `# duration` or `# not a duration`: their comparison constants.
    not_durations: set[int] = set()
    offset = 0
    for line in expr.splitlines(keepends=True):
        marked = durations if re.search(r"#\s*duration\b", line) else \
            not_durations if re.search(r"#\s*not a duration\b", line) else None
        if marked is not None:
            code = masked[offset:offset + len(line)]
            for m in re.finditer(rf"{_COMPARISON}\s*(?:bool\s+)?({_NUMBER})(?![\w.])", code):
                marked.add(offset + m.start(1))
        offset += len(line)
    durations -= not_durations

    every_comparison_constant = {
        m.start(1) for m in re.finditer(rf"{_COMPARISON}\s*(?:bool\s+)?({_NUMBER})(?![\w.])", masked)
    } | {m.start(1) for m in re.finditer(rf"(?<![\w.])({_NUMBER})\s*{_COMPARISON}", masked)}
    if re.search(r"\b(time|timestamp)\s*\(", masked):
        unknown = sorted(every_comparison_constant - durations - not_durations)
        if unknown:
            shown = ", ".join(re.match(_NUMBER, masked[i:]).group(0) for i in unknown)
            raise ScalingError(
                f"{rule}: the expression uses time() or timestamp() and compares with {shown}; "
                "the scaler cannot tell whether that is a duration in seconds. End its line "
                "with the PromQL comment `# duration` if it is, `# not a duration` if not.")

    for start in sorted(durations):
        text = re.match(_NUMBER, masked[start:]).group(0)
        new = _format_number(float(text) / factor)
        edits.append((start, start + len(text), new))
        report.add(rule, "seconds", text, new)

    out = expr
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    return out


def scale_rule_file(document: dict, factor: float, report: ScalingReport) -> dict:
    for group in document.get("groups") or []:
        if "interval" in group:
            new = scale_duration(group["interval"], factor)
            report.add(group.get("name", "?"), "interval", str(group["interval"]), new)
            group["interval"] = new
        for rule in group.get("rules") or []:
            name = rule.get("alert") or rule.get("record") or "?"
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    new = scale_duration(rule[key], factor)
                    report.add(name, key, str(rule[key]), new)
                    rule[key] = new
            rule["expr"] = scale_expr(str(rule["expr"]), factor, name, report)
    return document


def scale_alertmanager_config(document: dict, factor: float, webhook_base: str, report: ScalingReport) -> dict:
    """The shipped routing tree and inhibitions with durations scaled and every receiver
    replaced by a webhook at `webhook_base/<receiver name>`."""
    glob = document.setdefault("global", {})
    if "resolve_timeout" in glob:
        new = scale_duration(glob["resolve_timeout"], factor)
        report.add("global", "resolve_timeout", str(glob["resolve_timeout"]), new)
        glob["resolve_timeout"] = new
    # Keys like slack_api_url or smtp settings have no use with webhooks.
    document["global"] = {k: v for k, v in glob.items() if k == "resolve_timeout"}

    def walk(route: dict, path: str) -> None:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if key in route:
                new = scale_duration(route[key], factor)
                report.add(path, key, str(route[key]), new)
                route[key] = new
        for i, child in enumerate(route.get("routes") or []):
            walk(child, f"{path}.routes[{i}]")

    walk(document["route"], "route")
    document["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": f"{webhook_base}/{r['name']}", "send_resolved": True}]}
        for r in document.get("receivers") or []
    ]
    document.pop("templates", None)
    return document


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(document: dict) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Print a time-scaled copy of a rule file or Alertmanager config.")
    parser.add_argument("--factor", type=float, default=60)
    parser.add_argument("--alertmanager", action="store_true", help="the file is an Alertmanager config")
    parser.add_argument("--webhook-base", default="http://127.0.0.1:9/receiver")
    parser.add_argument("file")
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    report = ScalingReport()
    try:
        if args.alertmanager:
            scaled = scale_alertmanager_config(document, args.factor, args.webhook_base, report)
        else:
            scaled = scale_rule_file(document, args.factor, report)
    except ScalingError as error:
        print(f"rule_scaling: {error}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(f"# {line}")
    sys.stdout.write(dump_yaml(scaled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
