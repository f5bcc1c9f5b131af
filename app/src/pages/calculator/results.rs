//! The answer as a table: one column per fit with its citation, one row per question, the source of each row beside it.

use super::answer::{Answer, Row};
use super::form::{Field, Form, Mode};
use crate::format::{self, Shown};
use crate::plots::{css, law_color};
use compute::scaling::LawId;
use leptos::prelude::*;

/// One row of the table: what it answers, where the numbers come from, and one cell per fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Names the cells' test ids: `<key>-<fit id>`.
    pub key: &'static str,
    pub label: String,
    pub source: String,
    /// Each fit's cell: the text to show and the exact value behind it.
    pub cells: Vec<(Shown, Option<f64>)>,
}

/// The table's rows for an answer.
pub fn lines(form: &Form, answer: &Answer) -> Vec<Line> {
    type Cell = Box<dyn Fn(&Row) -> (Shown, Option<f64>)>;
    let split = |f: fn(f64) -> Shown, get: fn(&compute::scaling::Allocation) -> f64| -> Cell {
        Box::new(move |row: &Row| match &row.result {
            Ok(a) => (f(get(a)), Some(get(a))),
            Err(e) => (Shown::Missing(e.clone()), None),
        })
    };
    let time = |f: fn(f64) -> Shown, get: fn(&compute::scaling::hardware::TrainingTime) -> f64| -> Cell {
        Box::new(move |row: &Row| match &row.time {
            Ok(t) => (f(get(t)), Some(get(t))),
            Err(e) => (Shown::Missing(e.clone()), None),
        })
    };
    let lr: Cell = Box::new(|row: &Row| match &row.result {
        Ok(a) => match a.lr {
            Some(lr) => (format::sci(lr), Some(lr)),
            None => (Shown::Missing("Eq. D.1 gives no positive rate above N ≈ 1.2e10".into()), None),
        },
        Err(e) => (Shown::Missing(e.clone()), None),
    });
    let gpus = form.text(Field::Gpus).trim().to_string();
    let budget_label = match form.mode {
        Mode::Flops | Mode::Hours => "Compute C = 6ND (FLOPs)",
        Mode::Params | Mode::Tokens => "Budget that makes this optimal, C = 6ND (FLOPs)",
    };
    let specs: Vec<(&'static str, String, String, Cell)> = vec![
        (
            "n-opt",
            "Parameters N — how large a model".into(),
            "compute-optimal under the fit in each column".into(),
            split(format::count, |a| a.n_opt),
        ),
        (
            "d-opt",
            "Training tokens D — how much data".into(),
            "D = C / (6N) (Kaplan et al. 2020, Sec. 2.1)".into(),
            split(format::count, |a| a.d_opt),
        ),
        ("ratio", "Tokens per parameter D/N".into(), "D / N".into(), split(format::plain, |a| a.tokens_per_param)),
        (
            "flops",
            budget_label.into(),
            "C = 6·N·D (Kaplan et al. 2020, Sec. 2.1)".into(),
            split(format::sci, |a| a.flops),
        ),
        (
            "loss",
            "Predicted loss (nats/token)".into(),
            "each fit's own L(N, D), in the units of its own data set".into(),
            split(format::plain, |a| a.loss),
        ),
        (
            "lr",
            "Learning rate".into(),
            "Kaplan et al. 2020, Eq. D.1: LR(N) ≈ 0.003239 − 0.0001395·ln N (natural log; non-embedding N)".into(),
            lr,
        ),
        (
            "b-crit",
            "Critical batch size (tokens)".into(),
            "Kaplan et al. 2020, Eq. 1.4: B_crit = 2e8 / L^(1/0.21) at the predicted loss, in Kaplan's loss units"
                .into(),
            split(format::count, |a| a.b_crit),
        ),
        (
            "gpu-hours",
            format!("GPU-hours on {}", form.gpu.name),
            format!("C / (3600 × peak × MFU); peak: {}", form.gpu.source),
            time(format::count, |t| t.device_hours),
        ),
        (
            "wall",
            format!("Wall-clock time on {gpus} GPUs"),
            "GPU-hours / number of GPUs".into(),
            time(format::duration_hours, |t| t.wall_hours),
        ),
    ];
    specs
        .into_iter()
        .map(|(key, label, source, cell)| Line { key, label, source, cells: answer.rows.iter().map(&cell).collect() })
        .collect()
}

/// One sentence answering the question the mode asks, over the three Chinchilla-style fits, with Kaplan beside them.
pub fn summary(form: &Form, answer: &Answer) -> String {
    let chinchilla: Vec<_> =
        answer.rows.iter().filter(|r| r.law != LawId::Kaplan).filter_map(|r| r.result.as_ref().ok()).collect();
    let kaplan = answer.rows.iter().find(|r| r.law == LawId::Kaplan).and_then(|r| r.result.as_ref().ok());
    let span = |get: fn(&compute::scaling::Allocation) -> f64| -> String {
        let (lo, hi) = chinchilla
            .iter()
            .map(|a| get(a))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (lo, hi) = (format::count(lo).text(), format::count(hi).text());
        if lo == hi {
            lo
        } else {
            format!("{lo}–{hi}")
        }
    };
    if chinchilla.is_empty() {
        return "No fit gives an answer for this input: see the messages below the table.".into();
    }
    let kaplan_says = |get: fn(&compute::scaling::Allocation) -> f64, what: &str| {
        kaplan.map(|a| format!(" Kaplan's Table 6 says {} {what}.", format::count(get(a)).text())).unwrap_or_default()
    };
    match form.mode {
        Mode::Flops | Mode::Hours => format!(
            "For {} FLOPs, the Chinchilla-style fits train a {}-parameter model on {} tokens.{}",
            format::sci(answer.budget.unwrap_or(f64::NAN)).text(),
            span(|a| a.n_opt),
            span(|a| a.d_opt),
            kaplan_says(|a| a.n_opt, "parameters")
        ),
        Mode::Params => format!(
            "A {}-parameter model is compute-optimal on {} training tokens under the Chinchilla-style fits.{}",
            span(|a| a.n_opt),
            span(|a| a.d_opt),
            kaplan_says(|a| a.d_opt, "tokens")
        ),
        Mode::Tokens => format!(
            "{} training tokens are best spent on a {}-parameter model under the Chinchilla-style fits.{}",
            span(|a| a.d_opt),
            span(|a| a.n_opt),
            kaplan_says(|a| a.n_opt, "parameters")
        ),
    }
}

/// The answer: a sentence, then the table of every fit side by side.
#[component]
pub fn Results(
    /// The inputs, for labels (GPU name, number of GPUs) and the question asked.
    form: RwSignal<Form>,
    /// The answer, `None` while an input is invalid.
    answer: Memo<Option<Answer>>,
) -> impl IntoView {
    view! {
        <section class="card calc" aria-labelledby="results-title">
            <h2 id="results-title">"Answer"</h2>
            {move || match answer.get() {
                None => view! {
                    <p class="note" data-testid="results-waiting">"Fix the input marked above to see the answer."</p>
                }.into_any(),
                Some(a) => {
                    let f = form.get();
                    view! {
                        <p class="summary" data-testid="calc-summary">{summary(&f, &a)}</p>
                        <Table rows=lines(&f, &a) laws=a.rows.iter().map(|r| r.law).collect()/>
                        <Problems answer=a/>
                    }.into_any()
                }
            }}
            <p class="hint">
                "Losses are in each fit's own units (MassiveText for Hoffmann and Epoch, WebText2 for Kaplan): compare "
                "the splits across fits, not the losses. Kaplan's N counts non-embedding parameters."
            </p>
        </section>
    }
}

/// The table itself; it scrolls sideways on a narrow screen.
#[component]
fn Table(
    /// Rows to show.
    rows: Vec<Line>,
    /// The fits, in column order.
    laws: Vec<LawId>,
) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby="results-title" tabindex="0">
            <table class="results" data-testid="results">
                <thead>
                    <tr>
                        <th scope="col">"Question"</th>
                        {laws.into_iter().map(|law| view! {
                            <th scope="col">
                                <span class="swatch" style=format!("background:{}", css(law_color(law)))></span>
                                {law.name()}
                                <small class="cite" data-testid=format!("cite-{}", law.id())>{law.source()}</small>
                            </th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|line| view! {
                        <tr>
                            <th scope="row">{line.label}<small class="cite">{line.source}</small></th>
                            {line.cells.into_iter().zip(LawId::ALL).map(|((shown, value), law)| view! {
                                <td
                                    data-testid=format!("{}-{}", line.key, law.id())
                                    data-law=law.name()
                                    data-value=value.map(|v| format!("{v:e}"))
                                    title=shown.reason()
                                >
                                    {shown.text()}
                                    {(!shown.reason().is_empty()).then(|| view! { <small class="why">{shown.reason()}</small> })}
                                </td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Why a fit has no answer, when one has none.
#[component]
fn Problems(
    /// The answer whose failed rows to explain.
    answer: Answer,
) -> impl IntoView {
    let problems: Vec<String> =
        answer.rows.iter().filter_map(|r| r.result.as_ref().err().map(|e| format!("{}: {e}", r.law.name()))).collect();
    (!problems.is_empty()).then(|| {
        view! {
            <ul class="warning" role="alert" data-testid="calc-problems">
                {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
            </ul>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::answer::answer;
    use super::*;

    #[test]
    fn no_cell_ever_reads_nan_or_inf() {
        for (mode, field, text) in [
            (Mode::Flops, Field::Flops, "5.76e23"),
            (Mode::Flops, Field::Flops, "1e40"),
            (Mode::Flops, Field::Flops, "1e-30"),
            (Mode::Params, Field::Params, "1e18"),
            (Mode::Tokens, Field::Tokens, "1"),
            (Mode::Hours, Field::Hours, "1e12"),
        ] {
            let mut form = Form { mode, ..Form::default() };
            form.set_text(field, text.into());
            let a = answer(&form).expect("valid input");
            let all: Vec<String> = lines(&form, &a)
                .into_iter()
                .flat_map(|l| l.cells.into_iter().map(|(s, _)| s.text() + &s.reason()))
                .chain([summary(&form, &a)])
                .collect();
            for text in all {
                let lower = text.to_lowercase();
                assert!(!lower.contains("nan") && !lower.contains("inf"), "{mode:?} {text}");
            }
        }
    }
}
