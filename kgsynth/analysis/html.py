"""The report's ``index.html``: plain HTML (no scripts, no external files) around the PNGs.

Every value, names of topics and concepts included, is escaped: the page shows text the
model and the corpus wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
    "padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}"
    "img{max-width:100%;border:1px solid #eee;margin:.5em 0}.note{color:#666;font-size:90%}"
)


def render(report: dict[str, Any]) -> str:
    """The whole page for one report dict (as written to ``report.json``)."""
    s = report["sampling"]
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>kgsynth report</title>"
        f"<style>{STYLE}</style></head><body><h1>kgsynth report</h1>",
        _p(
            f"created {report['created_at']}; generate runs: "
            f"{', '.join(report['generate_runs']) or 'none'}; sample runs: "
            f"{', '.join(report['sample_runs']) or 'none'}"
        ),  # fmt: skip
        _p(
            f"Embeddings: {report['embedding_model']} (cosine of unit vectors). Sampling (seed "
            f"{s['seed']}): at most {s['max_groups']} groups per level and {s['per_group']} "
            f"questions per group for within-group similarity; {s['corpus_sample']} questions "
            "per level for corpus diversity; lengths over all rows.",
            "note",
        ),  # fmt: skip
    ]
    parts += _questions(report["questions"], report["figures"])
    if "graph" in report:
        parts += _graph(report["graph"], report["figures"])
    parts.append("</body></html>")
    return "\n".join(parts)


def _questions(q: dict[str, Any], figures: dict[str, str]) -> list[str]:
    out = ["<h2>Questions</h2>", _p(f"{q['rows']} question/answer rows.")]
    rows = []
    for level, st in q["levels"].items():
        w, c = st["within"], st["corpus"]
        groups = f"{w['grouped_by']}: {w['groups']} of {w['groups_total']}"
        vendi = f"{_f(c['vendi_score'], 1)} (n={c['sample']})"
        rows.append([
            f"Level {level}", st["rows"], groups, w["pairs"], _f(w["mean"]), _f(w["median"]), vendi,
            _f(c["mean_pairwise_cosine_distance"]), _f(st["question_words"]["mean"], 1),
            _f(st["answer_words"]["mean"], 1),
        ])  # fmt: skip
    out.append(_table(
        ["level", "rows", "groups sampled (with 2+ questions) of all", "pairs",
         "mean within-group cosine", "median", "Vendi score", "mean pairwise distance",
         "question words (mean)", "answer words (mean)"], rows,
    ))  # fmt: skip
    out.append(
        _p(
            "Within-group cosine: every pair of questions written from the same document "
            "(Levels 1-2) or concept set (Level 3); lower is more diverse. Vendi score: "
            "effective number of distinct questions in the sample (1 to n).",
            "note",
        )
    )
    out += [_img(figures, k) for k in ("within_similarity", "question_lengths", "answer_lengths")]
    return out


def _graph(g: dict[str, Any], figures: dict[str, str]) -> list[str]:
    out = ["<h2>Concept graph</h2>", "<h3>Degree distributions</h3>"]
    out.append(_table(
        ["sub-graph", "nodes", "mean degree", "max degree", "isolated"],
        [[k, d["nodes"], _f(d["mean_degree"], 2), d["max_degree"], _pct(d["isolated_share"])]
         for k, d in g["degrees"].items()],
    ))  # fmt: skip
    out.append(_img(figures, "degrees"))
    out.append("<h3>Connected components</h3>")
    out.append(_table(
        ["graph", "nodes", "components", "largest component", "isolated nodes"],
        [[k, c["nodes"], c["components"], _pct(c["largest_share"]), c["isolated"]]
         for k, c in g["components"].items()],
    ))  # fmt: skip
    out.append("<h3>Top topics and key concepts</h3>")
    out.append(
        _table(
            ["topic", "documents", "key concepts listed"],
            [[t["name"], t["documents"], t["related"]] for t in g["top_topics"]],
        )
    )
    out.append(
        _table(
            ["key concept", "documents", "co-occurring concepts"],
            [[c["name"], c["documents"], c["related"]] for c in g["top_concepts"]],
        )
    )
    d = g["dead_ends"]
    out.append("<h3>Walks</h3>")
    out.append(_p(f"{d['dead_ends']} of {d['walks']} walks met a dead end ({_pct(d['share'])}), "
                  f"over {len(d['runs'])} sample runs (from their manifests)."))  # fmt: skip
    out.append("<h3>Coverage over runs</h3>")
    out.append(_table(
        ["sample run", "sets", "key concepts used", "topics used", "edges used"],
        [[r["run_id"], r["sets"], f"{r['concepts_used']} / {r['concepts_total']} "
          f"({_pct(r['concepts_share'])})", f"{r['topics_used']} / {r['topics_total']}",
          f"{r['edges_used']} / {r['edges_total']} ({_pct(r['edges_share'])})"]
         for r in g["coverage_over_runs"]],
    ))  # fmt: skip
    out.append(_p("Cumulative: each row counts what this run and every earlier one used.", "note"))
    out.append(_img(figures, "coverage"))
    return out


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(figures: dict[str, str], key: str) -> str:
    return f"<img src='{escape(figures[key])}' alt='{escape(key)}'>" if key in figures else ""


def _p(text: str, cls: str = "") -> str:
    return f"<p class='{cls}'>{escape(text)}</p>" if cls else f"<p>{escape(text)}</p>"


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"
