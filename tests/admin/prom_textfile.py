#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check a file against the Prometheus text exposition format (version
0.0.4, as node_exporter's textfile collector reads it) and print its samples.

usage: prom_textfile.py FILE
Rules checked: every line is a comment, blank, or a sample; "# HELP NAME
TEXT" and "# TYPE NAME counter|gauge|histogram|summary|untyped" at most once
per metric and TYPE before its samples; metric names match
[a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do not
start with __; label values are double-quoted with only \\\\, \\" and \\n
escapes; no label twice in a sample; the value is a float (or NaN, +Inf,
-Inf) and an optional timestamp an integer; all samples of a metric are
together; no two samples with the same name and labels; the file ends with
a line feed.
Output: one line per sample, "NAME{k=v,...} VALUE" with labels sorted.
Exit 0 valid, 1 invalid (the first error printed).
"""
import re
import sys

METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_value(text):
    if text in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError(f"bad value {text!r}")
    return float(text)


def parse_labels(text, pos):
    """text[pos] is just after '{'; returns (dict, position after '}')."""
    labels = {}
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError(f"bad label name at column {pos}")
        name = m.group(0)
        if name.startswith("__"):
            raise ValueError(f"reserved label name {name}")
        if name in labels:
            raise ValueError(f"label {name} twice")
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise ValueError(f'expected =" after {name}')
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise ValueError("unterminated label value")
            c = text[pos]
            if c == "\\":
                nxt = text[pos + 1:pos + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError(f"bad escape \\{nxt} in label value")
                value.append("\n" if nxt == "n" else nxt)
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise ValueError("line feed in label value")
            else:
                value.append(c)
                pos += 1
        labels[name] = "".join(value)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] != "}":
            raise ValueError("expected , or } after a label")


def main(argv):
    data = open(argv[1], encoding="utf-8").read()
    if data and not data.endswith("\n"):
        print("invalid: the file does not end with a line feed")
        return 1
    helped, typed, done, current = set(), {}, set(), None
    seen, out = set(), []
    for n, line in enumerate(data.split("\n")[:-1], 1):
        try:
            if not line.strip():
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    name = parts[2]
                    if not METRIC.fullmatch(name):
                        raise ValueError(f"bad metric name {name}")
                    if parts[1] == "HELP":
                        if name in helped:
                            raise ValueError(f"second HELP for {name}")
                        helped.add(name)
                    else:
                        if name in typed:
                            raise ValueError(f"second TYPE for {name}")
                        if name in done or name == current:
                            raise ValueError(f"TYPE for {name} after its samples")
                        if len(parts) != 4 or parts[3] not in TYPES:
                            raise ValueError(f"bad TYPE line")
                        typed[name] = parts[3]
                continue
            m = METRIC.match(line)
            if not m:
                raise ValueError("a sample must start with a metric name")
            name, pos = m.group(0), m.end()
            labels = {}
            if pos < len(line) and line[pos] == "{":
                labels, pos = parse_labels(line, pos + 1)
            rest = line[pos:].split()
            if line[pos:pos + 1] not in (" ", "\t") or not 1 <= len(rest) <= 2:
                raise ValueError("expected ' VALUE [TIMESTAMP]' after the name and labels")
            value = parse_value(rest[0])
            if len(rest) == 2 and not re.fullmatch(r"-?\d+", rest[1]):
                raise ValueError("bad timestamp")
            if name != current:
                if name in done:
                    raise ValueError(f"samples of {name} are not together")
                if current:
                    done.add(current)
                current = name
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise ValueError(f"duplicate sample {name}{labels}")
            seen.add(key)
            lab = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
            out.append(f"{name}{{{lab}}} {value:g}")
        except ValueError as e:
            print(f"invalid: line {n}: {e}: {line!r}")
            return 1
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
