//! Live accounting of the planned run: parameters, FLOPs per token and in all, tokens per parameter, data repeats.

use crate::format::{count, plain, sci};
use crate::training::settings::{FieldError, Plan};
use compute::data::DataSpec;
use leptos::prelude::*;

/// Brown corpus size in characters (about 6 MB of detagged text, see `compute::data::brown`), for the repeat estimate
/// before it is loaded.
const BROWN_CHARS: f64 = 5.9e6;

/// The numbers of the run the settings describe, updated as they change.
#[component]
pub fn Accounting(
    /// What the settings come to.
    plan: Memo<Result<Plan, Vec<FieldError>>>,
) -> impl IntoView {
    view! {
        <div class="accounting" data-testid="accounting" aria-live="polite">
            {move || match plan.get() {
                Err(_) => view! { <p class="note">"Fix the settings marked in red to see the run's size."</p> }.into_any(),
                Ok(p) => {
                    let params = p.model.param_count() as f64;
                    let n = p.model.non_embedding_params() as f64;
                    let per_token = p.model.train_flops_per_token() as f64;
                    let steps = p.train.total_steps(&p.model);
                    let tokens = (steps as u64 * p.train.tokens_per_step(&p.model)) as f64;
                    let repeats = match &p.data {
                        DataSpec::Synthetic(_) => "no: synthetic text is fresh at every step".to_string(),
                        _ => {
                            let epochs = tokens / (BROWN_CHARS * 0.9);
                            if epochs > 1.0 {
                                format!("yes, about {} passes over the text", plain(epochs).text())
                            } else {
                                format!("no, about {}% of the text", plain(epochs * 100.0).text())
                            }
                        }
                    };
                    view! {
                        <dl class="facts">
                            <dt>"parameters"</dt><dd data-testid="params">{count(params).text()}</dd>
                            <dt>"non-embedding N"</dt><dd data-testid="n-params">{count(n).text()}</dd>
                            <dt>"FLOPs per token"</dt><dd>{count(per_token).text()}<small>" 6N + 6·L·T·d (Kaplan et al. 2020, §2.1)"</small></dd>
                            <dt>"steps × tokens"</dt><dd>{format!("{steps} × {}", p.train.tokens_per_step(&p.model))}</dd>
                            <dt>"training FLOPs"</dt><dd data-testid="total-flops">{sci(per_token * tokens).text()}</dd>
                            <dt>"tokens per parameter"</dt>
                            <dd>{plain(tokens / params).text()}<small>" compute-optimal ≈ 20 (Hoffmann et al. 2022)"</small></dd>
                            <dt>"repeats data"</dt><dd>{repeats}</dd>
                        </dl>
                    }.into_any()
                }
            }}
        </div>
    }
}
