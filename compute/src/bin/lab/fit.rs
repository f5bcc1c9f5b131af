//! `lab fit FILE`: fit Approach 3, Approach 2 and single power laws to (N, D, loss) points from a CSV or JSON file;
//! for a sweep record (`lab sweep --out`), the sweep's own analysis recomputed from its runs, and for an IsoFLOP sweep
//! the tables of that analysis's fits.

use crate::calc::num;
use clap::Args;
use compute::experiments::{AnalysisOptions, SweepAnalysis, SweepKind, SweepRecord};
use compute::files::MAX_RECORD_BYTES;
use compute::scaling::{
    fit_approach2, fit_approach3, fit_power_law, parse_observations, Approach2Fit, Approach2Options, Approach3Fit,
    Approach3Options, Estimate, Observation, PowerLawFit, Starts,
};
use serde::Serialize;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
FILE formats:
  CSV   a header row naming the columns N, D, loss and optionally C (also accepted: params, tokens, flops; other
        columns are ignored; blank lines and lines starting with # are skipped). C defaults to 6·N·D.
  JSON  an array of objects with n (or params), d (or tokens), loss and optionally c (or flops); or an object holding
        such an array under \"points\" or \"runs\".
Sweep records (lab sweep --out): the sweep's analysis (shape, IsoFLOP, learning rate or batch size) recomputed from
        its runs with --bootstrap, --level and --seed; for an IsoFLOP sweep, then the tables of that analysis's
        Approach 3 and 2 fits (grouped by the plan's budgets; --full-grid and --group-tolerance apply to point files).

Approach 3 (Hoffmann et al. 2022, Sec. 3.3): L = E + A/N^α + B/D^β by a Huber loss (δ = 1e-3) on log loss, L-BFGS from
the best 64 nodes of the paper's 4500-node grid (all of them with --full-grid); the lowest final objective wins.
Approach 2 (Sec. 3.2): when the points form ≥ 3 IsoFLOP groups of ≥ 3 points (same C within --group-tolerance), a
parabola in ln N per group gives N_opt, and N_opt ∝ C^a, D_opt ∝ C^b are fitted to the optima.
Intervals: percentile bootstrap over points (seeded, so the same file gives the same intervals).

Example: lab fit compute/tests/fixtures/scaling_isoflop.csv --json";

/// Arguments of `lab fit`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct FitArgs {
    /// CSV or JSON file of (N, D, loss) points.
    file: PathBuf,
    /// Bootstrap replicates for the intervals (0: no intervals).
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Interval level.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 2022)]
    seed: u64,
    /// Run L-BFGS from all 4500 grid nodes (slower; the default runs the best 64 by objective).
    #[arg(long)]
    full_grid: bool,
    /// Points whose C differ by less than this fraction form one IsoFLOP group.
    #[arg(long, default_value_t = 0.1)]
    group_tolerance: f64,
    /// Also fit Kaplan-style single power laws L(N) and L(D) over all points (meaningful when the other variable is
    /// not limiting).
    #[arg(long)]
    power_laws: bool,
    /// With --power-laws: fit L = E + (x_c/x)^α with a floor E instead of L = (x_c/x)^α.
    #[arg(long)]
    floor: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    file: String,
    points: usize,
    /// A sweep record's own analysis (the fits `lab sweep` printed).
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<SweepAnalysis>,
    /// Absent for a sweep whose runs share one token count or one size (shape, learning rate, batch size).
    #[serde(skip_serializing_if = "Option::is_none")]
    approach3: Option<Approach3Fit>,
    approach2: Option<Approach2Fit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approach2_note: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    power_laws: Vec<PowerLawFit>,
}

/// Most bootstrap replicates: 10,000 already pins a 95% interval's ends to a fraction of a percent.
const MAX_BOOTSTRAP: usize = 10_000;

/// Runs `lab fit`.
pub fn run(args: FitArgs) -> Result<(), String> {
    let name = args.file.display().to_string();
    if args.bootstrap > MAX_BOOTSTRAP {
        return Err(format!(
            "--bootstrap {} is more than {MAX_BOOTSTRAP} replicates, which already pin a 95% interval; use fewer",
            args.bootstrap
        ));
    }
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(format!("--level must lie in (0, 1), got {}", args.level));
    }
    if args.floor && !args.power_laws {
        return Err("--floor applies to --power-laws; add --power-laws".into());
    }
    let text = compute::files::read_text_limited(&args.file, MAX_RECORD_BYTES, "a file of points or records")?;
    // A sweep record brings its own analysis, recomputed here with this command's bootstrap options; only an
    // IsoFLOP sweep spans the sizes and token counts a joint L(N, D) fit needs, and its tables are that same
    // analysis's fits (one fit, so the summary and the tables quote the same intervals).
    let Some((kind, analysis)) = sweep_analysis(&text, &args).map_err(|e| format!("{name}: {e}"))? else {
        return fit_points(&args, name, &text);
    };
    let SweepAnalysis::IsoFlop(isoflop) = &analysis else {
        if args.json {
            let report = serde_json::json!({ "file": name, "sweep": analysis });
            println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
        } else {
            println!("{name}: {kind} sweep\n\n{}", analysis.summary());
        }
        return Ok(());
    };
    if !args.json {
        println!("{name}: {kind} sweep\n\n{}\n", analysis.summary());
    }
    let approach3 = isoflop.approach3.clone();
    let (approach2, approach2_note) = (isoflop.approach2.clone(), isoflop.approach2_error.clone());
    let points = parse_observations(&text).map_err(|e| format!("{name}: {e}"))?;
    let power_laws = power_laws(&args, &name, &points)?;
    let report = Report {
        file: name,
        points: points.len(),
        sweep: Some(analysis),
        approach3,
        approach2,
        approach2_note,
        power_laws,
    };
    print_report(&args, &report)
}

/// A sweep record's kind and its analysis recomputed with the command's options; None when the file is not a sweep
/// record; an error when it is one whose runs cannot be analysed yet (too few finished).
fn sweep_analysis(text: &str, args: &FitArgs) -> Result<Option<(SweepKind, SweepAnalysis)>, String> {
    let is_sweep = serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("format").and_then(|f| f.as_str()).is_some_and(|f| f.starts_with("scaling-lab-sweep/")));
    if !is_sweep {
        return Ok(None);
    }
    let mut record = SweepRecord::from_json_unanalyzed(text)?;
    let options =
        AnalysisOptions { bootstrap: args.bootstrap, level: args.level, seed: args.seed, ..record.default_options() };
    record.reanalyze(&options);
    match record.analysis {
        Some(a) => Ok(Some((record.kind, a))),
        None => Err(format!(
            "{} {} sweep with {} of {} runs: no analysis yet: {}",
            record.kind,
            record.budget,
            record.runs.len(),
            record.plan.runs.len(),
            record.analysis_error.unwrap_or_default()
        )),
    }
}

/// Approach 3, Approach 2 and optional power laws over the file's (N, D, loss) points.
fn fit_points(args: &FitArgs, name: String, text: &str) -> Result<(), String> {
    let points = parse_observations(text).map_err(|e| format!("{name}: {e}"))?;
    if points.len() > compute::scaling::fit_approach3::MAX_POINTS_EXACT {
        eprintln!("fitting {} points (Approach 3 searches on a sample; see the note in the output)…", points.len());
    }

    let starts = if args.full_grid { Starts::FullGrid } else { Starts::BestOfGrid(64) };
    let a3_options = Approach3Options {
        starts,
        bootstrap: args.bootstrap,
        level: args.level,
        seed: args.seed,
        ..Default::default()
    };
    let approach3 = fit_approach3(&points, &a3_options).map_err(|e| format!("{name}: Approach 3: {e}"))?;
    let a2_options = Approach2Options {
        group_tolerance: args.group_tolerance,
        bootstrap: args.bootstrap,
        level: args.level,
        seed: args.seed,
    };
    let (approach2, approach2_note) = match fit_approach2(&points, &a2_options) {
        Ok(fit) => (Some(fit), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let power_laws = power_laws(args, &name, &points)?;
    let approach3 = Some(approach3);
    let report =
        Report { file: name, points: points.len(), sweep: None, approach3, approach2, approach2_note, power_laws };
    print_report(args, &report)
}

/// With --power-laws, L(N) and L(D) over all of the file's points.
fn power_laws(args: &FitArgs, name: &str, points: &[Observation]) -> Result<Vec<PowerLawFit>, String> {
    if !args.power_laws {
        return Ok(Vec::new());
    }
    let loss: Vec<f64> = points.iter().map(|p| p.loss).collect();
    let mut fits = Vec::new();
    for (var, x) in [("N", points.iter().map(|p| p.n).collect::<Vec<_>>()), ("D", points.iter().map(|p| p.d).collect())]
    {
        fits.push(fit_power_law(&x, &loss, args.floor, var).map_err(|e| format!("{name}: L({var}): {e}"))?);
    }
    Ok(fits)
}

fn print_report(args: &FitArgs, report: &Report) -> Result<(), String> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", text_report(report));
    }
    Ok(())
}

fn interval(e: &Estimate) -> String {
    match (e.lo, e.hi) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
        _ => String::new(),
    }
}

fn text_report(r: &Report) -> String {
    let mut s = format!("{}: {} points\n\n", r.file, r.points);
    let Some(a3) = &r.approach3 else { return s };
    let level = format!("{:.0}%", a3.level * 100.0);
    s.push_str(&format!("Approach 3: L(N,D) = E + A/N^alpha + B/D^beta  ({})\n", a3.source));
    let boot = if a3.bootstrap > 0 {
        format!("{level} bootstrap interval, {} replicates, seed {}", a3.bootstrap, a3.seed)
    } else {
        "no bootstrap".to_string()
    };
    if let Some(note) = &a3.subsampled {
        s.push_str(&format!("  note: {note}\n"));
    }
    s.push_str(&format!("  {:<8} {:>10}  {boot}\n", "", "estimate"));
    for (name, e) in [("E", &a3.e), ("A", &a3.a_coeff), ("B", &a3.b_coeff), ("alpha", &a3.alpha), ("beta", &a3.beta)] {
        s.push_str(&format!("  {name:<8} {:>10}  {}\n", num(e.value), interval(e)));
    }
    s.push_str(&format!(
        "  {:<8} {:>10}  {}   N_opt ∝ C^a, a = beta/(alpha+beta)\n",
        "a",
        num(a3.a.value),
        interval(&a3.a)
    ));
    s.push_str(&format!("  {:<8} {:>10}  {}   D_opt ∝ C^b\n", "b", num(a3.b.value), interval(&a3.b)));
    let g = &a3.goodness;
    s.push_str(&format!(
        "  goodness: R² (log loss) {:.5}, RMSE (log loss) {}, Huber objective {}; best of {} L-BFGS starts\n",
        g.r2_log,
        num(g.rmse_log),
        num(g.objective),
        a3.starts_run
    ));

    s.push('\n');
    match (&r.approach2, &r.approach2_note) {
        (Some(a2), _) => {
            s.push_str(&format!("Approach 2: IsoFLOP profiles  ({})\n", a2.source));
            s.push_str(&format!(
                "  {:>11}  {:>6}  {:>11}  {:>11}  {:>8}\n",
                "C", "points", "N_opt", "D_opt", "loss_opt"
            ));
            for grp in &a2.groups {
                let flag = if grp.inside_range { "" } else { "  (vertex outside the sampled sizes)" };
                s.push_str(&format!(
                    "  {:>11}  {:>6}  {:>11}  {:>11}  {:>8}{flag}\n",
                    num(grp.flops),
                    grp.points,
                    num(grp.n_opt),
                    num(grp.d_opt),
                    num(grp.loss_opt)
                ));
            }
            for why in &a2.skipped {
                s.push_str(&format!("  skipped: {why}\n"));
            }
            s.push_str(&format!("  a = {} {}   (N_opt = {}·C^a)\n", num(a2.a.value), interval(&a2.a), num(a2.k_n)));
            s.push_str(&format!("  b = {} {}   (D_opt = {}·C^b)\n", num(a2.b.value), interval(&a2.b), num(a2.k_d)));
            s.push_str(&format!(
                "  goodness of ln N_opt on ln C: R² {:.5}, RMSE {}; {level} bootstrap interval, {} replicates\n",
                a2.goodness.r2_log,
                num(a2.goodness.rmse_log),
                a2.bootstrap
            ));
        }
        (None, Some(note)) => s.push_str(&format!("Approach 2: not fitted: {note}\n")),
        (None, None) => {}
    }
    for p in &r.power_laws {
        let floor = p.floor.map(|e| format!("{} + ", num(e))).unwrap_or_default();
        s.push_str(&format!(
            "\nL({v}) = {floor}({}/{v})^{}  R² (log loss) {:.5}, RMSE {}  ({})\n",
            num(p.x_c),
            num(p.alpha),
            p.goodness.r2_log,
            num(p.goodness.rmse_log),
            p.source,
            v = p.variable
        ));
    }
    s
}
