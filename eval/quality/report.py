"""The eval report: the tables printed and kept in report.md, and its chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLUMNS = [
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("hit@10", "hit@10"),
    ("mrr", "MRR"),
    ("ndcg@10", "nDCG@10"),
    ("accuracy", "supported acc"),
    ("loose_accuracy", "loose acc"),
    ("citation_accuracy", "citation acc"),
    ("refusal_accuracy", "refusal acc"),
    ("false_refusal_rate", "false refusals"),
    ("retrieve_p50_ms", "retrieve p50 ms"),
    ("ask_p50_ms", "ask p50 ms"),
]
# By question type and by language.
BREAKDOWN = [
    ("n", "n"),
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("accuracy", "supported acc"),
    ("loose_accuracy", "loose acc"),
    ("citation_accuracy", "citation acc"),
    ("refusal_accuracy", "refusal acc"),
    ("false_refusal_rate", "false refusals"),
]


def table(rows: dict[str, dict[str, float]], columns: list[tuple[str, str]] = COLUMNS) -> str:
    header = "| system | " + " | ".join(title for _, title in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 1)]
    for name, metrics in rows.items():
        cells = [_fmt(metrics.get(key)) for key, _ in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    if float(value).is_integer() and value > 1:
        return str(int(value))
    return f"{value:.0f}" if value >= 10 else f"{value:.3f}"


def write_report(out_dir: Path, results: dict[str, Any]) -> None:
    overall = {name: r["overall"] for name, r in results["systems"].items()}
    product = results["systems"]["product (hybrid)"]
    lines = [
        "# Eval report",
        "",
        f"{results['questions']} questions ({results['answerable']} answerable, "
        f"{results['questions'] - results['answerable']} unanswerable); "
        f"abstention threshold {results['min_evidence_score']}. Definitions: eval/README.md.",
        "",
        "## Overall",
        "",
        table(overall),
        "",
        "## Product by question type",
        "",
        table(product["by_type"], BREAKDOWN),
        "",
        "## Product by language",
        "",
        table(product["by_lang"], BREAKDOWN),
        "",
        "## hit@5 by type, product against baselines",
        "",
        "![hit@5 by type](report_chart.png)",
        "",
    ]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
    _chart(out_dir / "report_chart.png", results)


def _chart(path: Path, results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["systems"])
    types = list(results["systems"][names[0]]["by_type"])
    types = [t for t in types if t != "unanswerable"]
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [results["systems"][name]["by_type"][t].get("hit@5", 0.0) for t in types]
        ax.bar([x + i * width for x in range(len(types))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(types))], types)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("hit@5")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
