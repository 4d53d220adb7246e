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


def across_systems(results: dict[str, Any], metric: str) -> dict[str, dict[str, float]]:
    """One metric for every system, by question type (answerable ones) and by language."""
    rows = {}
    for name, system in results["systems"].items():
        groups = {t: m for t, m in system["by_type"].items() if t != "unanswerable"} | system["by_lang"]
        rows[name] = {group: m.get(metric, float("nan")) for group, m in groups.items()}
    return rows


def write_report(out_dir: Path, results: dict[str, Any]) -> None:
    overall = {name: r["overall"] for name, r in results["systems"].items()}
    product = results["systems"]["product (hybrid)"]
    accuracy = across_systems(results, "accuracy")
    groups = [(g, g) for g in next(iter(accuracy.values()))]
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
        "## Supported answer accuracy by question type and language, product against baselines",
        "",
        table(accuracy, groups),
        "",
        "## Chart: product against baselines",
        "",
        "Retrieval (hit@5 by type), answers (supported accuracy by type and by language) and "
        "refusals (unanswerable questions refused: higher is better; answerable ones refused: "
        "lower is better). The plain LangChain pipeline shows its top passage and never refuses.",
        "",
        "![hit@5 and answer accuracy by type and language, refusals](report_chart.png)",
        "",
    ]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
    _chart(out_dir / "report_chart.png", results)


# Each panel: its title and its bars as (label, part of a system's results, group, metric).
Bar = tuple[str, str, str, str]


def _panels(results: dict[str, Any]) -> list[tuple[str, list[Bar]]]:
    product = results["systems"]["product (hybrid)"]
    types = [t for t in product["by_type"] if t != "unanswerable"]
    langs = list(product["by_lang"])
    refusals: list[Bar] = []
    for metric, label in (
        ("refusal_accuracy", "refused\nunanswerable"),
        ("false_refusal_rate", "refused\nanswerable"),
    ):
        refusals.append((f"{label}\nall", "overall", "", metric))
        refusals += [(f"{label}\n{lang}", "by_lang", lang, metric) for lang in langs]
    return [
        ("retrieval: hit@5 by question type", [(t, "by_type", t, "hit@5") for t in types]),
        ("answers: supported accuracy by question type", [(t, "by_type", t, "accuracy") for t in types]),
        ("answers: supported accuracy by language", [(lang, "by_lang", lang, "accuracy") for lang in langs]),
        ("refusals (first three: higher is better; last three: lower)", refusals),
    ]


def _value(system: dict[str, Any], part: str, group: str, metric: str) -> float:
    metrics = system[part] if part == "overall" else system[part].get(group, {})
    value = metrics.get(metric)
    return 0.0 if value is None or value != value else float(value)


def _chart(path: Path, results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["systems"])
    width = 0.8 / len(names)
    fig, axes = plt.subplots(2, 2, figsize=(14, 8.5))
    for ax, (title, bars) in zip(axes.flat, _panels(results), strict=True):
        for i, name in enumerate(names):
            values = [
                _value(results["systems"][name], part, group, metric) for _, part, group, metric in bars
            ]
            drawn = ax.bar([x + i * width for x in range(len(bars))], values, width, label=name)
            ax.bar_label(drawn, fmt="%.2f", fontsize=6, rotation=90, padding=2)
        ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(bars))], [b[0] for b in bars])
        ax.tick_params(axis="x", labelsize=8)
        ax.set_ylim(0, 1.18)
        ax.set_title(title, fontsize=10)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(names), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=100)
    plt.close(fig)
