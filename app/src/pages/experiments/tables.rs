//! The numbers behind each sweep chart as tables: the text alternative to the plots, and where the fits' intervals
//! and the papers' values sit side by side with their sources.

use crate::format::{count, plain, sci};
use compute::experiments::analysis::batch::BatchAnalysis;
use compute::experiments::analysis::isoflop::IsoFlopAnalysis;
use compute::experiments::analysis::lr::LrAnalysis;
use compute::experiments::analysis::shape::ShapeAnalysis;
use compute::experiments::analysis::MeanStd;
use compute::experiments::LR_RULE_TEXT;
use compute::scaling::chinchilla::HOFFMANN_ROUNDED;
use compute::scaling::{kaplan, Estimate};
use leptos::prelude::*;

/// "1.234 ± 0.012" (no ± for one seed).
fn mean_std(m: &MeanStd, f: fn(f64) -> crate::format::Shown) -> String {
    if m.count > 1 {
        format!("{} ± {}", f(m.mean).text(), f(m.std).text())
    } else {
        f(m.mean).text()
    }
}

/// "0.52 [0.47, 0.58]" (the interval when there is one).
pub fn estimate(e: &Estimate) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", plain(e.value).text(), plain(lo).text(), plain(hi).text()),
        _ => plain(e.value).text(),
    }
}

/// A table in a scrolling box, focusable so keyboard users can scroll it.
#[component]
pub fn Table(
    /// Says what the table holds (also its accessible name).
    caption: String,
    /// Column headings.
    head: Vec<&'static str>,
    /// Cells, row by row.
    rows: Vec<Vec<String>>,
    /// Test id of the table.
    #[prop(optional)]
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0">
            <table data-testid=testid>
                <caption>{caption}</caption>
                <thead><tr>{head.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Every shape of every curve.
pub fn shape(a: &ShapeAnalysis) -> impl IntoView {
    let rows = a
        .curves
        .iter()
        .flat_map(|c| {
            c.points.iter().enumerate().map(move |(i, p)| {
                vec![
                    c.axis.clone(),
                    count(c.target_n).text(),
                    format!("{} × {}{}", p.n_layer, p.d_model, if i == c.best { " (best)" } else { "" }),
                    format!("{} heads, d_ff {}", p.n_head, p.d_ff),
                    plain(p.x).text(),
                    mean_std(&p.loss, plain),
                    mean_std(&p.increase_pct, plain),
                    p.reducible_increase_pct.as_ref().map_or("—".into(), |m| mean_std(m, plain)),
                ]
            })
        })
        .collect();
    view! {
        <Table
            caption="Shape sweep: each shape's final loss and its increase over the best shape of its curve (mean ± \
                     standard deviation over seeds)".to_string()
            head=vec!["curve", "target N", "layers × d_model", "heads, d_ff", "x", "loss (nats)", "increase %", "increase of (loss − floor) %"]
            rows=rows
            testid="sweep-table"
        />
    }
}

/// Each budget's sizes, optimum and the fits.
pub fn isoflop(a: &IsoFlopAnalysis) -> impl IntoView {
    let points = a
        .profiles
        .iter()
        .flat_map(|p| {
            p.points.iter().map(move |q| {
                vec![
                    sci(p.flops).text(),
                    count(q.n).text(),
                    count(q.d).text(),
                    q.shape.clone(),
                    mean_std(&q.loss, plain),
                ]
            })
        })
        .collect();
    let optima = a
        .profiles
        .iter()
        .map(|p| {
            let or_dash = |v: Option<f64>, f: fn(f64) -> crate::format::Shown| v.map_or("—".into(), |v| f(v).text());
            vec![
                sci(p.flops).text(),
                or_dash(p.n_opt, count),
                or_dash(p.d_opt, count),
                or_dash(p.tokens_per_param, plain),
                or_dash(p.loss_opt, plain),
                if p.inside_range { "yes" } else { "no: the minimum is at or beyond the grid's edge" }.into(),
            ]
        })
        .collect();
    let mut exps: Vec<Vec<String>> = Vec::new();
    match (&a.approach2, &a.approach2_error) {
        (Some(f), _) => exps.push(vec![
            "this sweep (Approach 2: IsoFLOP parabolas)".into(),
            estimate(&f.a),
            estimate(&f.b),
            format!("{:.0}% bootstrap intervals over {} replicates", f.level * 100.0, f.bootstrap),
        ]),
        (None, Some(e)) => exps.push(vec!["this sweep".into(), "—".into(), "—".into(), e.clone()]),
        _ => {}
    }
    if let Some(f) = &a.approach3 {
        exps.push(vec!["this sweep (Approach 3: a = β/(α+β))".into(), estimate(&f.a), estimate(&f.b), String::new()]);
    }
    for r in &a.references {
        exps.push(vec![r.method.to_string(), plain(r.a).text(), plain(r.b).text(), r.source.to_string()]);
    }
    let a3 = match (&a.approach3, &a.approach3_error) {
        (Some(f), _) => {
            let c = HOFFMANN_ROUNDED.law;
            let mut rows = vec![
                vec!["E".into(), estimate(&f.e), plain(c.e).text()],
                vec!["A".into(), estimate(&f.a_coeff), plain(c.a).text()],
                vec!["B".into(), estimate(&f.b_coeff), plain(c.b).text()],
                vec!["α".into(), estimate(&f.alpha), plain(c.alpha).text()],
                vec!["β".into(), estimate(&f.beta), plain(c.beta).text()],
            ];
            if let Some(floor) = a.floor {
                rows.push(vec![
                    "the language's exact entropy".into(),
                    format!(
                        "{} (E is {} it)",
                        plain(floor).text(),
                        if f.e.covers(floor) {
                            "consistent with"
                        } else if f.e.value > floor {
                            "above"
                        } else {
                            "below"
                        }
                    ),
                    "— (MassiveText's is unknown)".into(),
                ]);
            }
            view! {
                <Table
                    caption=format!("Approach 3 over all runs: L(N, D) = E + A/N^α + B/D^β, with 95% bootstrap intervals; \
                                     Chinchilla's values from {}", HOFFMANN_ROUNDED.source)
                    head=vec!["", "this sweep", "Chinchilla"]
                    rows=rows
                    testid="approach3-table"
                />
            }
            .into_any()
        }
        (None, Some(e)) => view! { <p class="note">"Approach 3 did not fit: " {e.clone()}</p> }.into_any(),
        _ => ().into_any(),
    };
    view! {
        <Table
            caption="IsoFLOP runs: final loss per size and budget (mean ± standard deviation over seeds)".to_string()
            head=vec!["budget C (FLOPs)", "N", "tokens D", "shape", "loss (nats)"]
            rows=points
            testid="sweep-table"
        />
        <Table
            caption="The optimum of each budget's parabola".to_string()
            head=vec!["budget C", "N_opt", "D_opt", "tokens per parameter", "loss at the optimum", "inside the grid"]
            rows=optima
        />
        <Table
            caption="Allocation exponents N_opt ∝ C^a, D_opt ∝ C^b".to_string()
            head=vec!["method", "a", "b", "source"]
            rows=exps
            testid="exponents-table"
        />
        {a3}
    }
}

/// Each size's losses by learning rate, and its best rate against the rules.
pub fn lr(a: &LrAnalysis) -> impl IntoView {
    let points = a
        .curves
        .iter()
        .flat_map(|c| {
            c.points.iter().map(move |p| {
                vec![
                    count(c.n).text(),
                    c.shape.clone(),
                    sci(p.lr).text(),
                    p.multiplier.map_or("—".into(), |m| format!("{}×", plain(m).text())),
                    p.loss.as_ref().map_or("diverged".into(), |l| mean_std(l, plain)),
                    p.diverged.to_string(),
                ]
            })
        })
        .collect();
    let best = a
        .curves
        .iter()
        .map(|c| {
            vec![
                count(c.n).text(),
                format!("{}{}", sci(c.best_lr).text(), if c.at_edge { " (at the grid's edge)" } else { "" }),
                format!("{} – {}", sci(c.broad_range.0).text(), sci(c.broad_range.1).text()),
                sci(c.rule_lr).text(),
                c.kaplan_lr.map_or("—".into(), |k| sci(k).text()),
            ]
        })
        .collect();
    view! {
        <Table
            caption="Learning-rate runs: final loss per size and peak rate (mean ± standard deviation over seeds)".to_string()
            head=vec!["N", "shape", "peak lr", "× the sweeps' rule", "loss (nats)", "diverged seeds"]
            rows=points
            testid="sweep-table"
        />
        <Table
            caption=format!("Best rate per size against the rules: the sweeps' rule is {}; Eq. D.1 is \
                             lr(N) = {} − {}·ln N (natural log), {}", LR_RULE_TEXT, kaplan::LR_INTERCEPT, kaplan::LR_SLOPE, kaplan::SOURCE)
            head=vec!["N", "best lr", "within 1% of the best", "sweeps' rule", "Kaplan Eq. D.1"]
            rows=best
        />
    }
}

/// Steps and tokens to each target by batch size, and the critical batch.
pub fn batch(a: &BatchAnalysis) -> impl IntoView {
    let points = a
        .targets
        .iter()
        .flat_map(|t| {
            t.points.iter().map(move |p| {
                vec![
                    plain(t.loss).text(),
                    p.batch.to_string(),
                    count(p.batch_tokens).text(),
                    p.steps.as_ref().map_or("not reached".into(), |s| mean_std(s, plain)),
                    p.tokens.as_ref().map_or("—".into(), |s| mean_std(s, count)),
                    format!("{} of {}", p.reached, p.runs),
                ]
            })
        })
        .collect();
    let fits = a
        .targets
        .iter()
        .map(|t| {
            vec![
                plain(t.loss).text(),
                t.s_min.as_ref().map_or("—".into(), estimate),
                t.e_min.as_ref().map_or("—".into(), estimate),
                t.b_crit_tokens.as_ref().map_or_else(
                    || t.note.clone().unwrap_or_else(|| "—".into()),
                    |b| {
                        format!(
                            "{}{}",
                            estimate(b),
                            if t.outside_range { " (outside the sampled batches)" } else { "" }
                        )
                    },
                ),
                t.b_crit_sequences.map_or("—".into(), |b| plain(b).text()),
            ]
        })
        .collect();
    view! {
        <Table
            caption="Batch-size runs: steps and tokens to reach each target loss (mean ± standard deviation over seeds)".to_string()
            head=vec!["target loss", "batch (sequences)", "batch (tokens)", "steps to target", "tokens to target", "seeds that reached it"]
            rows=points
            testid="sweep-table"
        />
        <Table
            caption=format!("Fits of S = S_min·(1 + B_crit/B) per target (McCandlish et al. 2018; Kaplan et al. 2020, \
                             Eq. 5.4), 95% bootstrap intervals; Kaplan's B_crit(L) = B*/L^(1/α_B) with B* = {} tokens, \
                             α_B = {} (Eq. 1.4)", sci(kaplan::B_STAR).text(), kaplan::ALPHA_B)
            head=vec!["target loss", "S_min (steps)", "E_min (tokens)", "B_crit (tokens)", "B_crit (sequences)"]
            rows=fits
        />
    }
}
