//! What the calculator answers for a form: each fit's compute-optimal split, and how long it takes on the hardware.

use super::form::{mode_field, Field, Form, Mode};
use compute::scaling::hardware::{self, TrainingTime};
use compute::scaling::{compute_optimal, optimal_for_params, optimal_for_tokens, Allocation, LawId, ScalingError};

/// One fit's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub law: LawId,
    /// The compute-optimal split, or why this fit has none for the input.
    pub result: Result<Allocation, String>,
    /// GPU-hours and wall-clock time of that split's budget on the chosen hardware, or why there is none.
    pub time: Result<TrainingTime, String>,
}

/// The calculator's answer, one row per fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The budget in FLOPs when the question was a budget (FLOPs or GPU-hours); `None` for a model or data size.
    pub budget: Option<f64>,
    pub rows: Vec<Row>,
}

/// The answer to a form, or `None` while an input it needs is invalid (its field says why).
pub fn answer(form: &Form) -> Option<Answer> {
    let input = mode_field(form.mode).parse(form.text(mode_field(form.mode))).ok()?;
    let mfu = Field::Mfu.parse(form.text(Field::Mfu));
    let gpus = Field::Gpus.parse(form.text(Field::Gpus));
    let budget = match form.mode {
        Mode::Flops => Some(input),
        Mode::Hours => Some(hardware::flops_from_device_hours(input, form.gpu.peak_flops, mfu.clone().ok()?).ok()?),
        Mode::Params | Mode::Tokens => None,
    };
    let rows = LawId::ALL
        .into_iter()
        .map(|law| {
            let result = match form.mode {
                Mode::Flops | Mode::Hours => compute_optimal(law, budget.unwrap_or(input)),
                Mode::Params => optimal_for_params(law, input),
                Mode::Tokens => optimal_for_tokens(law, input),
            }
            .map_err(explain);
            let time = match (&result, &mfu, &gpus) {
                (Ok(a), Ok(u), Ok(k)) => hardware::training_time(a.flops, form.gpu.peak_flops, *u, *k).map_err(explain),
                (Err(_), _, _) => Err("no budget under this fit".to_string()),
                _ => Err("fix the utilisation or GPU count above".to_string()),
            };
            Row { law, result, time }
        })
        .collect();
    Some(Answer { budget, rows })
}

/// A library error as page text: the value is left out where it is not finite, so the page never reads "NaN" or "inf".
fn explain(e: ScalingError) -> String {
    match e {
        ScalingError::Invalid { name, value, why } if !value.is_finite() => format!("{name} {why}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_gives_every_fit_its_split_and_time() {
        let mut form = Form::default();
        form.set_text(Field::Flops, "5.76e23".into());
        let answer = answer(&form).expect("valid input");
        assert_eq!(answer.budget, Some(5.76e23));
        assert_eq!(answer.rows.len(), 4);
        for row in &answer.rows {
            let a = row.result.as_ref().expect("a split");
            assert!((6.0 * a.n_opt * a.d_opt / 5.76e23 - 1.0).abs() < 1e-9);
            let t = row.time.as_ref().expect("a time");
            assert!((t.device_hours - 5.76e23 / (989e12 * 0.4 * 3600.0)).abs() < 1e-6 * t.device_hours);
        }
    }

    #[test]
    fn gpu_hours_become_flops_and_invalid_input_gives_no_answer() {
        let mut form = Form { mode: Mode::Hours, ..Form::default() };
        form.set_text(Field::Hours, "1000".into());
        assert_eq!(answer(&form).and_then(|a| a.budget), Some(1000.0 * 3600.0 * 989e12 * 0.4));
        form.set_text(Field::Mfu, "abc".into());
        assert_eq!(answer(&form), None);
        form.mode = Mode::Params;
        form.set_text(Field::Params, "7e9".into());
        let rows = answer(&form).expect("params need no MFU").rows;
        assert!(rows.iter().all(|r| r.result.is_ok() && r.time.is_err()));
        form.set_text(Field::Params, "-1".into());
        assert_eq!(answer(&form), None);
    }
}
