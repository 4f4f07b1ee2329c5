"""Parses a metrics exposition from stdin with the prometheus_client package (a parser we did
not write) and prints its families as one JSON line.

usage: parse_metrics.py prometheus|openmetrics
Prints {"families": [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}]};
non-finite values as the strings "+Inf", "-Inf", "NaN". A text the parser rejects exits 1
with its message on stderr.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families as prometheus_families
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families


def value(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


def main():
    fmt = sys.argv[1]
    text = sys.stdin.read()
    parse = openmetrics_families if fmt == "openmetrics" else prometheus_families
    out = []
    # The parsers are generators: errors surface while iterating.
    for f in parse(text):
        out.append({
            "name": f.name,
            "type": f.type,
            "help": f.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": value(s.value)} for s in f.samples],
        })
    print(json.dumps({"families": out}))


if __name__ == "__main__":
    main()
