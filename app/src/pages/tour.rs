//! The guided tour for classrooms: six questions of how to train a better language model, each with a short answer,
//! the published result and its source, and buttons that open the matching calculator view, sweep or training preset.

use crate::format::count;
use compute::experiments::analysis::shape::KAPLAN_FINDING;
use compute::experiments::LR_RULE_TEXT;
use compute::scaling::chinchilla::{HOFFMANN_ROUNDED, TABLE_2};
use compute::scaling::kaplan;
use compute::scaling::known_models::KNOWN_MODELS;
use leptos::prelude::*;

/// A button that opens another view with its settings: `query` is the page's address query (without `?`).
struct Open {
    label: &'static str,
    query: &'static str,
}

/// One question of the tour.
struct Question {
    id: &'static str,
    question: &'static str,
    answer: &'static str,
    /// The published result, with its source.
    published: String,
    opens: Vec<Open>,
}

/// Models whose tokens per parameter the data question lists, by name in [`KNOWN_MODELS`].
const DATA_MODELS: [&str; 6] = ["GPT-3", "Gopher", "Chinchilla", "LLaMA 7B", "Llama 2 70B", "Llama 3 8B"];

/// Tokens per parameter as a person says it: 1.7, 20, 143.
fn per_param(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

fn questions() -> Vec<Question> {
    let table2 = |i: usize| (TABLE_2[i].a, TABLE_2[i].b, TABLE_2[i].source);
    let (a1, b1, t2) = table2(0);
    let (ak, bk, _) = table2(3);
    let law = HOFFMANN_ROUNDED.law;
    vec![
        Question {
            id: "architecture",
            question: "1. Which architecture? Why decoder-only?",
            answer: "A decoder-only transformer (GPT) reads text left to right and learns one thing: predict the next \
                     token. Every token of every document is a training example, the same model generates text, and \
                     the design is simple to scale. It is what this lab trains.",
            published: "Wang et al. 2022 (“What Language Model Architecture and Pretraining Objective Work Best for \
                        Zero-Shot Generalization?”): without multitask finetuning, a causal decoder trained with a full \
                        language-modelling objective was best at zero-shot; with multitask finetuning an encoder-decoder \
                        trained with masked language modelling was best, at roughly twice the parameters. Le Scao et al. \
                        2022 (“What Language Model to Train if You Have One Million GPU Hours?”, BigScience): 1.3B-\
                        parameter ablations for BLOOM, a decoder-only model; ALiBi beat other position encodings, and \
                        GLU gave a small gain."
                .into(),
            opens: vec![Open { label: "Train a decoder-only GPT", query: "view=train&preset=tiny" }],
        },
        Question {
            id: "shape",
            question: "2. Does the shape matter — deep and narrow, or shallow and wide?",
            answer: "Hardly, within reason: at a fixed number of parameters, models of very different depth and width \
                     reach nearly the same loss. Spend the parameters; do not agonise over their arrangement.",
            published: format!("{KAPLAN_FINDING} (arXiv:2001.08361)."),
            opens: vec![Open { label: "Run the shape sweep", query: "view=experiments&sweep=shape" }],
        },
        Question {
            id: "data",
            question: "3. How much data? How many tokens per parameter?",
            answer: "For a fixed compute budget, parameters and training tokens should grow together: Chinchilla \
                     trained 70B parameters on 1.4T tokens, about 20 tokens per parameter, and beat the 4× larger \
                     Gopher on the same compute. Models meant to be used a lot are now trained far past that ratio, \
                     because a smaller model is cheaper to run.",
            published: format!(
                "{t2} (arXiv:2203.15556): N_opt ∝ C^a, D_opt ∝ C^b with a = {a1:.2}, b = {b1:.2} \
                 (Kaplan et al. 2020 had a = {ak:.2}, b = {bk:.2}). Tokens per parameter: {}.",
                DATA_MODELS
                    .iter()
                    .filter_map(|name| KNOWN_MODELS.iter().find(|m| m.name == *name))
                    .map(|m| format!(
                        "{} ({}) on {}{} tokens: {} per parameter ({})",
                        m.name,
                        count(m.params).text(),
                        if m.tokens_approximate { "~" } else { "" },
                        count(m.tokens).text(),
                        per_param(m.tokens_per_param()),
                        m.source
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            opens: vec![
                Open { label: "Split Gopher's budget in the calculator", query: "view=calculator&flops=5.76e23" },
                Open { label: "Run the IsoFLOP sweep", query: "view=experiments&sweep=isoflop" },
            ],
        },
        Question {
            id: "batch",
            question: "4. Which batch size?",
            answer: "Up to a critical batch size, doubling the batch halves the steps needed at the same number of \
                     tokens; beyond it, larger batches mostly waste tokens. The critical batch grows as the loss \
                     falls, so big models late in training use batches of millions of tokens.",
            published: format!(
                "McCandlish et al. 2018 (“An Empirical Model of Large-Batch Training”): S = S_min·(1 + B_crit/B). \
                 Kaplan et al. 2020, Eq. 1.4: B_crit(L) ≈ B*/L^(1/α_B) with B* ≈ {} tokens, α_B ≈ {}.",
                crate::format::sci(kaplan::B_STAR).text(),
                kaplan::ALPHA_B
            ),
            opens: vec![
                Open { label: "Run the batch-size sweep", query: "view=experiments&sweep=batch" },
                Open { label: "Critical batch of a 7B model (calculator)", query: "view=calculator&params=7e9" },
            ],
        },
        Question {
            id: "lr",
            question: "5. Which learning rate?",
            answer: "In long runs the optimum is broad — rates a few times apart train about equally well — and \
                     larger models prefer smaller rates. In short runs it is narrower: in this lab's sweeps of 2–4M \
                     tokens, twice the best rate cost 1–24% more loss and 4–8 times it wrecked the run; the longer \
                     runs were the more forgiving. Warm up, then decay.",
            published: format!(
                "Kaplan et al. 2020, Eq. D.1: lr(N) ≈ {} − {}·ln N (natural log; N non-embedding parameters). \
                 A published toy sweep (1.5k–2.65M parameters, context 64) found that rate too low for short runs \
                 and 3× better; this lab's own sweep found the best rates 8–11× Eq. D.1 on runs of 2M tokens (7.6× on runs \
                 of 4M), so its sweeps use {}.",
                kaplan::LR_INTERCEPT,
                kaplan::LR_SLOPE,
                LR_RULE_TEXT
            ),
            opens: vec![
                Open { label: "Run the learning-rate sweep", query: "view=experiments&sweep=lr" },
                Open { label: "Train with a chosen rate", query: "view=train&preset=small" },
            ],
        },
        Question {
            id: "laws",
            question: "6. How does the loss depend on parameters, data and compute?",
            answer: "As power laws: more parameters, more data or more compute lower the loss by a predictable \
                     fraction each time they double, down towards an irreducible floor — the entropy of the text \
                     itself. That is what lets labs predict a large run from small ones.",
            published: format!(
                "Kaplan et al. 2020, Eqs. 1.1–1.3: L(N) = (N_c/N)^{}, L(D) = (D_c/D)^{}, L(C) = (C_c/C)^{}. \
                 Hoffmann et al. 2022, Eq. 10: L(N, D) = E + A/N^α + B/D^β with E = {}, A = {}, B = {}, α = {}, β = {} \
                 ({}).",
                kaplan::ALPHA_N,
                kaplan::ALPHA_D,
                kaplan::ALPHA_C_MIN,
                law.e,
                law.a,
                law.b,
                law.alpha,
                law.beta,
                HOFFMANN_ROUNDED.source
            ),
            opens: vec![
                Open { label: "Loss against compute (calculator)", query: "view=calculator&flops=1e21" },
                Open { label: "Fit E, A, B, α, β yourself (IsoFLOP sweep)", query: "view=experiments&sweep=isoflop" },
            ],
        },
    ]
}

/// The tour: six questions, each a card.
#[component]
pub fn TourPage() -> impl IntoView {
    view! {
        <section class="card tour" aria-labelledby="tour-title">
            <h2 id="tour-title">"Six questions: how to train a better language model"</h2>
            <p class="lede">
                "A guided tour for a class: each question has a short answer, what the papers found (with the source), "
                "and buttons that open the calculator, a sweep or a training run set up to see it for yourself."
            </p>
        </section>
        {questions().into_iter().map(|q| view! {
            <section class="card tour-question" id=format!("tour-{}", q.id) data-testid=format!("tour-{}", q.id)>
                <h3>{q.question}</h3>
                <p>{q.answer}</p>
                <p class="source"><strong>"Published: "</strong>{q.published}</p>
                <p class="buttons">
                    {q.opens.into_iter().enumerate().map(|(i, o)| view! {
                        <a class="button" href=format!("?{}", o.query) data-testid=format!("tour-{}-open-{i}", q.id)>{o.label}</a>
                    }).collect_view()}
                </p>
            </section>
        }).collect_view()}
    }
}
