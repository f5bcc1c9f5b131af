//! What the sweep shows: the charts (filling in as runs finish), what they mean and what the papers found, the
//! analysis's plain-language summary, and the numbers as tables.

use super::chart::SweepChart;
use super::tables;
use crate::plots::{batch_plot, isoflop_plot, lr_plot, optima_plot, shape_plot, Size};
use compute::experiments::analysis::shape::KAPLAN_FINDING;
use compute::experiments::{SweepAnalysis, SweepKind, SweepRecord};
use leptos::prelude::*;

/// What each sweep's chart shows and what the papers found, before any run.
fn explanation(kind: SweepKind) -> &'static str {
    match kind {
        SweepKind::Shape => {
            "Every model of a curve has (nearly) the same number of non-embedding parameters N; only its shape \
             differs: few wide layers on the right, many narrow ones on the left. The height of a point is how much \
             worse its final loss is than the best shape of its curve; bars are one standard deviation over seeds. \
             Kaplan et al. 2020 (Fig. 5) found the loss 'varies only a few percent over a wide range of shapes': \
             the aspect ratio can vary 40× while only slightly impacting performance."
        }
        SweepKind::IsoFlop => {
            "Each colour is one compute budget C = 6·N·D: every model of a colour cost the same, small models seeing \
             many tokens and large ones few. A parabola in ln N through each budget's losses gives that budget's best \
             size N_opt (diamond). Hoffmann et al. 2022 (Chinchilla, Approach 2) fitted N_opt ∝ C^a and D_opt ∝ C^b to \
             such minima and found a ≈ b ≈ 0.5, so parameters and tokens should grow together (about 20 tokens per \
             parameter at their scale); Kaplan et al. 2020 had found a = 0.73, b = 0.27 (Hoffmann et al. 2022, Table 2)."
        }
        SweepKind::LearningRate => {
            "Each colour is one model size, trained at several peak learning rates with everything else fixed. \
             Kaplan et al. 2020 (Fig. 22) found the optimum broad for their long runs, rates a few times apart giving \
             nearly the same loss; short runs like these are more sensitive, and too high a rate makes a run \
             collapse. Kaplan et al. (Eq. D.1) found the best rate falls slowly with size, lr(N) ≈ 0.003239 − \
             0.0001395·ln N (natural log), drawn dashed for each size."
        }
        SweepKind::BatchSize => {
            "One model trained at several batch sizes, each with a rate scaled to it. For a target loss, larger \
             batches need fewer steps but, beyond the critical batch B_crit, more tokens: the fit S = S_min·(1 + \
             B_crit/B) (McCandlish et al. 2018; Kaplan et al. 2020, Eq. 5.4) gives B_crit. Kaplan et al. found B_crit \
             grows as the loss falls, B_crit ≈ 2e8 tokens / L^(1/0.21) (Eq. 1.4) — millions of tokens for large \
             models, a few thousand at this toy scale."
        }
    }
}

/// The charts, summary and tables of the shown sweep, with `reference` results overlaid when they match its kind.
#[component]
pub fn Results(
    /// The sweep shown (its analysis is recomputed after every run).
    record: Signal<Option<SweepRecord>>,
    /// A reference or imported sweep of the same kind, drawn muted behind the page's own results.
    reference: Signal<Option<SweepRecord>>,
) -> impl IntoView {
    let kind = Memo::new(move |_| record.with(|r| r.as_ref().map(|r| r.kind)));
    let analysis = move || record.with(|r| r.as_ref().and_then(|r| r.analysis.clone()));
    let overlay = move || reference.with(|r| r.as_ref().and_then(|r| r.analysis.clone()));
    view! {
        <section class="card experiments" aria-labelledby="results-title" data-testid="sweep-results">
            <h2 id="results-title">"What the sweep shows"</h2>
            {move || kind.get().map(|k| view! { <p class="lede">{explanation(k)}</p> })}
            {move || kind.get().map(|k| charts(k, Signal::derive(analysis), Signal::derive(overlay)))}
            <h3>"In plain words"</h3>
            <p class="summary" data-testid="sweep-summary">{move || record.with(|r| match r.as_ref() {
                Some(r) if r.runs.is_empty() => "No runs yet: start the sweep, and the charts fill in as runs finish.".to_string(),
                Some(r) => match (&r.analysis, &r.analysis_error) {
                    (Some(a), _) => a.summary().to_string(),
                    (None, Some(e)) => format!("Not enough runs for the analysis yet ({} finished): {e}.", r.runs.len()),
                    _ => String::new(),
                },
                None => String::new(),
            })}</p>
            {move || (kind.get() == Some(SweepKind::Shape)).then(|| view! {
                <p class="source">"Kaplan et al. 2020: " {KAPLAN_FINDING} "."</p>
            })}
            <h3>"The numbers"</h3>
            {move || match analysis() {
                Some(SweepAnalysis::Shape(a)) => tables::shape(&a).into_any(),
                Some(SweepAnalysis::IsoFlop(a)) => tables::isoflop(&a).into_any(),
                Some(SweepAnalysis::LearningRate(a)) => tables::lr(&a).into_any(),
                Some(SweepAnalysis::BatchSize(a)) => tables::batch(&a).into_any(),
                None => view! { <p class="note">"The tables appear with the analysis; every finished run is listed in the queue above."</p> }.into_any(),
            }}
        </section>
    }
}

/// The charts of one sweep kind.
fn charts(kind: SweepKind, own: Signal<Option<SweepAnalysis>>, overlay: Signal<Option<SweepAnalysis>>) -> AnyView {
    macro_rules! pick {
        ($variant:ident, $sig:expr) => {
            $sig.with(|a| match a {
                Some(SweepAnalysis::$variant(x)) => Some(x.clone()),
                _ => None,
            })
        };
    }
    match kind {
        SweepKind::Shape => {
            let data = Callback::new(move |size: Size| {
                shape_plot::data(size, pick!(Shape, own).as_ref(), pick!(Shape, overlay).as_ref())
            });
            view! { <SweepChart title="Loss increase over the best shape against aspect ratio (Kaplan et al. 2020, Fig. 5 style)" data=data testid="sweep-chart"/> }.into_any()
        }
        SweepKind::IsoFlop => {
            let profiles = Callback::new(move |size: Size| {
                let (a, r) = (pick!(IsoFlop, own), pick!(IsoFlop, overlay));
                isoflop_plot::data(size, a.as_deref(), r.as_deref())
            });
            let optima = Callback::new(move |size: Size| {
                let (a, r) = (pick!(IsoFlop, own), pick!(IsoFlop, overlay));
                optima_plot::data(size, a.as_deref(), r.as_deref())
            });
            view! {
                <div class="chart-pair">
                    <SweepChart title="IsoFLOP profiles: loss against N per budget (Hoffmann et al. 2022, Fig. 3)" data=profiles testid="sweep-chart"/>
                    <SweepChart title="Compute-optimal N and D against compute, with Chinchilla's and Kaplan's slopes" data=optima testid="optima-chart"/>
                </div>
            }
            .into_any()
        }
        SweepKind::LearningRate => {
            let data = Callback::new(move |size: Size| {
                lr_plot::data(size, pick!(LearningRate, own).as_ref(), pick!(LearningRate, overlay).as_ref())
            });
            view! { <SweepChart title="Loss against learning rate per size, with Kaplan et al.'s Eq. D.1" data=data testid="sweep-chart"/> }.into_any()
        }
        SweepKind::BatchSize => {
            let data = Callback::new(move |size: Size| {
                batch_plot::data(size, pick!(BatchSize, own).as_ref(), pick!(BatchSize, overlay).as_ref())
            });
            view! { <SweepChart title="Steps to a target loss against batch size, and the critical batch" data=data testid="sweep-chart"/> }.into_any()
        }
    }
}
