//! `lab calc`: the scaling-law calculator — compute-optimal N and D for a budget under each published fit, side by side.

use clap::{Args, ValueEnum};
use compute::scaling::allocation::{training_flops, Allocation, Evaluation, LawId};
use compute::scaling::hardware::{self, TrainingTime};
use compute::scaling::{check_positive, compute_optimal, evaluate, optimal_for_params, optimal_for_tokens, MAX_FLOPS};
use serde::Serialize;

const AFTER_HELP: &str = "\
What the inputs mean (C = 6·N·D throughout):
  --flops C                  the compute-optimal N and D for budget C under each fit
  --params N                 the budget for which N parameters are compute-optimal under each fit, and its split
  --tokens D                 the budget for which D training tokens are compute-optimal under each fit, and its split
  --params N --tokens D      C = 6ND and the predicted loss, beside the optimum for the same C
  --flops C --params N       D = C/(6N), then as above (likewise --flops with --tokens)
  --gpu-hours H --peak-flops P --mfu U
                             the budget C = H·3600·P·U (H counts device-hours over all devices); --gpus K adds the
                             wall-clock time H/K. --peak-flops and --mfu with any other input print the training time.

For each fit: n_opt, d_opt, flops, tokens_per_param, loss (predicted, nats per token in the units of the fit's own data:
MassiveText for Hoffmann/Epoch, WebText2 for Kaplan), lr (Kaplan's rule LR(N) = 0.003239 − 0.0001395·ln N, natural log,
Eq. D.1; absent above N ≈ 1.2e10 where it turns negative) and b_crit (critical batch size in tokens at that loss, Kaplan
Eq. 1.4, in Kaplan's units). Kaplan's split is Table 6's N_opt = 1.3e9·C^0.73 (C in PF-days) with D = C/(6N).

Examples:
  lab calc --flops 1e21
  lab calc --params 7e10 --tokens 1.4e12 --fit hoffmann
  lab calc --gpu-hours 1000 --peak-flops 989e12 --mfu 0.4 --gpus 8 --json";

/// Arguments of `lab calc`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CalcArgs {
    /// Training compute budget C in FLOPs (e.g. 1e21).
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    flops: Option<f64>,
    /// Parameters N (e.g. 7e10). Alone: the budget for which N is compute-optimal under each fit.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    params: Option<f64>,
    /// Training tokens D (e.g. 1.4e12). Alone: the budget for which D is compute-optimal under each fit.
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    tokens: Option<f64>,
    /// Device-hours over all devices; with --peak-flops and --mfu gives the budget C = H·3600·P·U.
    #[arg(long, value_name = "H", allow_negative_numbers = true)]
    gpu_hours: Option<f64>,
    /// Peak FLOP/s of one device (e.g. 989e12 for an H100 SXM, dense BF16).
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    peak_flops: Option<f64>,
    /// Model FLOPs utilisation: the fraction of peak achieved, in (0, 1] (e.g. 0.4).
    #[arg(long, value_name = "U", allow_negative_numbers = true)]
    mfu: Option<f64>,
    /// Devices training together (turns device-hours into wall-clock time; default 1).
    #[arg(long, value_name = "K", allow_negative_numbers = true)]
    gpus: Option<f64>,
    /// One fit instead of all four side by side.
    #[arg(long, value_enum)]
    fit: Option<FitArg>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The fits `--fit` accepts.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum FitArg {
    /// Hoffmann et al. 2022, Approach 3, unrounded estimates.
    Hoffmann,
    /// Hoffmann et al. 2022, Eq. 10 as printed (rounded).
    HoffmannRounded,
    /// Besiroglu et al. 2024 (Epoch) refit.
    Epoch,
    /// Kaplan et al. 2020 (Table 6 split, Eq. 1.5 loss).
    Kaplan,
}

impl From<FitArg> for LawId {
    fn from(f: FitArg) -> LawId {
        match f {
            FitArg::Hoffmann => LawId::Hoffmann,
            FitArg::HoffmannRounded => LawId::HoffmannRounded,
            FitArg::Epoch => LawId::Epoch,
            FitArg::Kaplan => LawId::Kaplan,
        }
    }
}

/// What the inputs ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Budget(f64),
    Params(f64),
    Tokens(f64),
    Point(f64, f64),
}

/// The echoed inputs, for JSON.
#[derive(Serialize)]
struct Input {
    #[serde(skip_serializing_if = "Option::is_none")]
    flops: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_flops: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mfu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpus: Option<f64>,
}

/// One fit's answer, with the training time when hardware was given.
#[derive(Serialize)]
struct Row<T: Serialize> {
    #[serde(flatten)]
    result: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<TrainingTime>,
}

#[derive(Serialize)]
struct Report<T: Serialize> {
    mode: &'static str,
    input: Input,
    results: Vec<Row<T>>,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl CalcArgs {
    /// Works out what is asked from the combination of flags, with a message a person can act on when it makes no sense.
    fn mode(&self) -> Result<Mode, String> {
        let hardware_given = self.peak_flops.is_some() || self.mfu.is_some();
        if self.gpus.is_some() && !hardware_given {
            return Err("--gpus needs --peak-flops and --mfu".into());
        }
        if hardware_given && (self.peak_flops.is_none() || self.mfu.is_none()) {
            return Err(
                "--peak-flops and --mfu go together (peak FLOP/s of one device and the fraction achieved)".into()
            );
        }
        let budget = match (self.flops, self.gpu_hours) {
            (Some(_), Some(_)) => return Err("give the budget once: --flops or --gpu-hours, not both".into()),
            (Some(c), None) => Some(check_positive("flops", c, MAX_FLOPS).map_err(err)?),
            (None, Some(h)) => {
                let (Some(p), Some(u)) = (self.peak_flops, self.mfu) else {
                    return Err("--gpu-hours needs --peak-flops and --mfu to become a budget in FLOPs".into());
                };
                Some(hardware::flops_from_device_hours(h, p, u).map_err(err)?)
            }
            (None, None) => None,
        };
        let mode = match (budget, self.params, self.tokens) {
            (Some(_), Some(_), Some(_)) => {
                return Err("give at most two of the budget, --params and --tokens (C = 6ND fixes the third)".into())
            }
            (Some(c), None, None) => Mode::Budget(c),
            (Some(c), Some(n), None) => {
                let n = check_positive("params", n, compute::scaling::MAX_PARAMS).map_err(err)?;
                Mode::Point(n, c / (6.0 * n))
            }
            (Some(c), None, Some(d)) => {
                let d = check_positive("tokens", d, compute::scaling::MAX_TOKENS).map_err(err)?;
                Mode::Point(c / (6.0 * d), d)
            }
            (None, Some(n), Some(d)) => Mode::Point(n, d),
            (None, Some(n), None) => Mode::Params(n),
            (None, None, Some(d)) => Mode::Tokens(d),
            (None, None, None) => {
                return Err("nothing to calculate: give --flops C, --params N, --tokens D, or --gpu-hours H with \
                            --peak-flops P and --mfu U (see lab calc --help)"
                    .into())
            }
        };
        if let Mode::Point(n, d) = mode {
            training_flops(n, d).map_err(err)?;
        }
        Ok(mode)
    }

    fn laws(&self) -> Vec<LawId> {
        match self.fit {
            Some(f) => vec![f.into()],
            None => LawId::ALL.to_vec(),
        }
    }

    fn time(&self, flops: f64) -> Result<Option<TrainingTime>, String> {
        match (self.peak_flops, self.mfu) {
            (Some(p), Some(u)) => hardware::training_time(flops, p, u, self.gpus.unwrap_or(1.0)).map(Some).map_err(err),
            _ => Ok(None),
        }
    }

    fn input(&self) -> Input {
        Input {
            flops: self.flops,
            params: self.params,
            tokens: self.tokens,
            gpu_hours: self.gpu_hours,
            peak_flops: self.peak_flops,
            mfu: self.mfu,
            gpus: self.gpus,
        }
    }
}

/// Runs `lab calc`.
pub fn run(args: CalcArgs) -> Result<(), String> {
    let mode = args.mode()?;
    let laws = args.laws();
    match mode {
        Mode::Point(n, d) => {
            let mut rows = Vec::new();
            for law in laws {
                let result = evaluate(law, n, d).map_err(err)?;
                rows.push(Row { time: args.time(result.flops)?, result });
            }
            if args.json {
                print_json(&Report { mode: "point", input: args.input(), results: rows })
            } else {
                print!("{}", point_table(n, d, &rows));
                Ok(())
            }
        }
        _ => {
            let mut rows = Vec::new();
            for law in laws {
                let result = match mode {
                    Mode::Budget(c) => compute_optimal(law, c),
                    Mode::Params(n) => optimal_for_params(law, n),
                    Mode::Tokens(d) => optimal_for_tokens(law, d),
                    Mode::Point(..) => unreachable!("handled above"),
                }
                .map_err(err)?;
                rows.push(Row { time: args.time(result.flops)?, result });
            }
            let name = match mode {
                Mode::Budget(_) => "budget",
                Mode::Params(_) => "params",
                _ => "tokens",
            };
            if args.json {
                print_json(&Report { mode: name, input: args.input(), results: rows })
            } else {
                print!("{}", allocation_table(mode, &rows));
                Ok(())
            }
        }
    }
}

fn print_json<T: Serialize>(report: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(report).map_err(err)?);
    Ok(())
}

/// A number for a table: plain with 4 significant digits in [0.01, 1e4), scientific otherwise.
pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if (1e-2..1e4).contains(&x.abs()) {
        // Four significant digits, trailing zeros dropped.
        let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{x:.3e}")
    }
}

/// Rows of label + one cell per fit, aligned.
fn table(header: &[String], rows: &[(String, Vec<String>)]) -> String {
    let label_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0).max(10);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (_, cells) in rows {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |label: &str, cells: &[String]| {
        let mut s = format!("{label:<label_width$}");
        for (c, w) in cells.iter().zip(&widths) {
            s.push_str(&format!("  {c:>w$}"));
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line("", header);
    for (label, cells) in rows {
        out.push_str(&line(label, cells));
    }
    out
}

fn time_rows<T: Serialize>(rows: &[Row<T>], out: &mut Vec<(String, Vec<String>)>) {
    if rows.iter().any(|r| r.time.is_some()) {
        let cell = |f: fn(&TrainingTime) -> f64| {
            rows.iter().map(|r| r.time.as_ref().map(|t| num(f(t))).unwrap_or_default()).collect()
        };
        out.push(("device-hours".into(), cell(|t| t.device_hours)));
        out.push(("wall-clock days".into(), cell(|t| t.wall_days)));
    }
}

fn lr_cell(lr: Option<f64>) -> String {
    lr.map(num).unwrap_or_else(|| "n/a (N>1.2e10)".into())
}

fn sources<T>(rows: &[Row<T>], law: impl Fn(&T) -> LawId) -> String
where
    T: Serialize,
{
    let mut s = String::from("\nSources:\n");
    for r in rows {
        let l = law(&r.result);
        s.push_str(&format!("  {:<17} {}\n", l.id(), l.source()));
    }
    s.push_str(
        "  lr: Kaplan et al. 2020, Eq. D.1 (natural log); b_crit: Kaplan et al. 2020, Eq. 1.4 (Kaplan's loss units).\n\
         Losses are in each fit's own units (MassiveText for Hoffmann/Epoch, WebText2 for Kaplan): compare splits, not \
         losses, across fits.\n",
    );
    s
}

fn allocation_table(mode: Mode, rows: &[Row<Allocation>]) -> String {
    let title = match mode {
        Mode::Budget(c) => format!("Compute-optimal split for C = {} FLOPs (C = 6ND)", num(c)),
        Mode::Params(n) => format!("Budget for which N = {} parameters is compute-optimal (C = 6ND)", num(n)),
        Mode::Tokens(d) => format!("Budget for which D = {} tokens is compute-optimal (C = 6ND)", num(d)),
        Mode::Point(..) => unreachable!("point mode has its own table"),
    };
    let header: Vec<String> = rows.iter().map(|r| r.result.fit.id().to_string()).collect();
    let col = |f: fn(&Allocation) -> String| rows.iter().map(|r| f(&r.result)).collect::<Vec<_>>();
    let mut body = vec![
        ("n_opt (params)".to_string(), col(|a| num(a.n_opt))),
        ("d_opt (tokens)".to_string(), col(|a| num(a.d_opt))),
        ("flops".to_string(), col(|a| num(a.flops))),
        ("tokens_per_param".to_string(), col(|a| num(a.tokens_per_param))),
        ("loss (nats/token)".to_string(), col(|a| num(a.loss))),
        ("lr (Eq. D.1, ln)".to_string(), col(|a| lr_cell(a.lr))),
        ("b_crit (tokens)".to_string(), col(|a| num(a.b_crit))),
    ];
    time_rows(rows, &mut body);
    format!("{title}\n\n{}{}", table(&header, &body), sources(rows, |a| a.fit))
}

fn point_table(n: f64, d: f64, rows: &[Row<Evaluation>]) -> String {
    let c = rows.first().map(|r| r.result.flops).unwrap_or(6.0 * n * d);
    let title = format!(
        "N = {} parameters on D = {} tokens: C = 6ND = {} FLOPs, {} tokens per parameter",
        num(n),
        num(d),
        num(c),
        num(d / n)
    );
    let header: Vec<String> = rows.iter().map(|r| r.result.fit.id().to_string()).collect();
    let col = |f: fn(&Evaluation) -> String| rows.iter().map(|r| f(&r.result)).collect::<Vec<_>>();
    let mut body = vec![
        ("loss (nats/token)".to_string(), col(|e| num(e.loss))),
        ("lr (Eq. D.1, ln)".to_string(), col(|e| lr_cell(e.lr))),
        ("b_crit (tokens)".to_string(), col(|e| num(e.b_crit))),
        ("optimal n at this C".to_string(), col(|e| num(e.optimal.n_opt))),
        ("optimal d at this C".to_string(), col(|e| num(e.optimal.d_opt))),
        ("optimal tokens/param".to_string(), col(|e| num(e.optimal.tokens_per_param))),
        ("optimal loss".to_string(), col(|e| num(e.optimal.loss))),
        ("excess loss".to_string(), col(|e| format!("{:.4}", e.excess_loss))),
    ];
    time_rows(rows, &mut body);
    format!("{title}\n\n{}{}", table(&header, &body), sources(rows, |e| e.fit))
}
