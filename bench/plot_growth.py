#!/usr/bin/env python3
"""Plot the `growth` CSV of the load example (issue 31, item 3).

    python3 bench/plot_growth.py [bench/growth.csv] [bench/growth.png]

Two panels over the number of distinct tokens in rotation (log scale), one
line per number of configured issuers: requests per second, and the RSS the
server's runs added since its keys were fetched (MiB; the signed tokens are
excluded, the verified-token cache is in it). Needs matplotlib (pip install matplotlib).
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "bench/growth.csv"
    target = sys.argv[2] if len(sys.argv) > 2 else "bench/growth.png"
    series = defaultdict(list)
    with open(source, newline="") as f:
        for row in csv.DictReader(f):
            series[int(row["issuers"])].append(
                (int(row["tokens"]), float(row["req_per_s"]), int(row["rss_added_kib"]) / 1024)
            )
    fig, (rate, rss) = plt.subplots(1, 2, figsize=(11, 4.2))
    for issuers, points in sorted(series.items()):
        points.sort()
        tokens = [p[0] for p in points]
        label = f"{issuers} issuer{'s' if issuers > 1 else ''}"
        rate.plot(tokens, [p[1] for p in points], marker="o", label=label)
        rss.plot(tokens, [p[2] for p in points], marker="o", label=label)
    for ax in (rate, rss):
        ax.set_xscale("log")
        ax.set_xlabel("distinct valid tokens in rotation")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    rate.axvline(10_000, color="grey", linestyle="--", linewidth=1)
    rate.annotate("cache capacity per issuer (10,000)", (10_000, 0), xytext=(4, 4),
                  textcoords="offset points", fontsize=8, color="grey")
    rate.set_ylabel("requests per second (/api/private-scoped)")
    rate.set_ylim(bottom=0)
    rss.set_ylabel("RSS added since warm-up (MiB)")
    rss.set_ylim(bottom=0)
    fig.suptitle(f"auth-runtime: cost as distinct tokens and issuers grow ({source})", fontsize=10)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
