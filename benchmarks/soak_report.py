"""The soak's figures as printed, and whether they pass (benchmarks/soak.py)."""
from __future__ import annotations


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def print_table(figures: dict) -> None:
    latency = figures["latency"]
    base = latency.get("healthz", {"p50": 0.0, "p99": 0.0})
    print(f"Soak on {figures['database']}: {figures['clients']} clients for {figures['seconds']:.0f} s on 127.0.0.1, "
          f"{figures['requests']:,} requests ({figures['requests_per_second']:.0f}/s)")
    print(f"{'kind':<15}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'p50 x':>8}{'p99 x':>8}")
    for kind, row in latency.items():
        ratio50 = row["p50"] / base["p50"] if base["p50"] else 0.0
        ratio99 = row["p99"] / base["p99"] if base["p99"] else 0.0
        print(f"{kind:<15}{row['count']:>9,}{figures['errors_by_kind'].get(kind, 0):>8}"
              f"{row['p50'] * 1000:>9.1f}{row['p99'] * 1000:>9.1f}{row['max'] * 1000:>9.1f}"
              f"{ratio50:>8.1f}{ratio99:>8.1f}")
    print("(p50 x / p99 x: the ratio to GET /healthz's p50 / p99 under the same load in the same run)")
    print(f"errors: {figures['errors']}   5xx: {figures['status_5xx']}   errors in the server log: "
          f"{figures['server_errors_logged']}   server alive at the end: {figures['server_alive_at_end']}")
    for sample in figures["error_samples"][:10] + figures["server_error_samples"]:
        print(f"  {sample}")
    print(f"server RSS: {figures['rss_start_mb']:.1f} MB after warm-up, peak {figures['rss_peak_mb']:.1f} MB, "
          f"end {figures['rss_end_mb']:.1f} MB (growth {figures['rss_growth_mb']:+.1f} MB)")
    print(f"reports: {figures['reports_acknowledged']} acknowledged, {figures['reports_in_db']} in the database, "
          f"each exactly once: {figures['every_report_once']}")
    print(f"drafts approved: {figures['drafts_approved']}, each approval recorded once: {figures['every_approval_once']}")
    print(f"outbox: keys unique {figures['outbox_keys_unique']}, pending after drain {figures['outbox_pending']}, "
          f"local inbox rows = local deliveries: {figures['local_inbox_once']}")
    print(f"slack: {figures['slack_events']} events, {figures['slack_answered']} answers posted; "
          f"teams: {figures['teams_activities']} activities, {figures['teams_answered']} replies")


def healthy(figures: dict, max_growth_mb: float = 50.0) -> bool:
    return (figures["errors"] == 0 and figures["status_5xx"] == 0 and figures["server_alive_at_end"]
            and figures["server_errors_logged"] == 0 and figures["rss_growth_mb"] < max_growth_mb
            and figures["every_report_once"] and figures["every_approval_once"]
            and figures["outbox_keys_unique"] and figures["local_inbox_once"] and figures["outbox_pending"] == 0
            # an event acknowledged to Slack or Teams and never answered is silence for a person
            and figures["slack_answered"] >= figures["slack_events"]
            and figures["teams_answered"] >= figures["teams_activities"])
