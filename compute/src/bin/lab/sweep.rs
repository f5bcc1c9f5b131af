//! `lab sweep shape|isoflop|lr|batch`: trains every run of a sweep plan with the trainer, with a progress bar and an
//! ETA, writes the sweep record after every run (so an interrupted sweep resumes with --resume) and prints the analysis.
//! Ctrl-C saves the run in progress beside the record (OUT.interrupted.safetensors), and --resume continues it.

use crate::guard::{interrupted, MemoryArgs};
use crate::train::{choose_backend, now_iso8601, save_checkpoint, saved_run};
use compute::checkpoint::{sidecar_path, state_path};
use compute::data::{DataSpec, Dataset, TokenizerSpec};
use compute::experiments::{plan, short_number, Budget, PlannedRun, RunResult, SweepKind, SweepPlan, SweepRecord};
use compute::files::{check_paths, read_text_limited, write_atomic, Named, MAX_RECORD_BYTES};
use compute::train::{native_clock, BackendChoice, MetricEvent, Trainer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const AFTER_HELP: &str = "\
Budgets (FLOPs at 6N + attention per token, evaluations included; see `--dry-run` for the exact figure):
  tiny    ~1e12  a smoke test of the pipeline, a few CPU-minutes; too small to show the findings
  small   ~2e14  about 15 minutes on a laptop GPU in the browser (0.2-0.3 TFLOP/s); 2 seeds
  medium  ~1e15  about an hour on a laptop GPU; 3 seeds, denser grids
  large   ~5e15  hours on a laptop GPU; 3 seeds, widest grids
Data: synthetic:medium with the char tokenizer (endless text, exact entropy floor 0.517 nats/char), context 64.
Learning rates: 0.012*(N/1e5)^-0.19 per size, 3/4 of the best rates of the lab's own lr sweep (lr-small.json;
6-9x Kaplan et al.'s Eq. D.1 at these sizes); the lr sweep spans 1/8x to 8x of it.

The sweep record (JSON) holds the plan, every run's result and curve, and the analysis; `lab fit SWEEP.json` fits
Approach 3 and 2 to its runs.

Example: lab sweep isoflop --budget tiny --out isoflop-tiny.json
Sharing a sweep between processes or machines:
  lab sweep isoflop --budget medium --shard 1/2 --out a.json   (and --shard 2/2 --out b.json elsewhere)
  lab sweep isoflop --budget medium --merge a.json b.json --out isoflop-medium.json";

/// Arguments of `lab sweep`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SweepArgs {
    /// Which sweep: shape, isoflop, lr or batch.
    kind: String,
    /// tiny, small, medium or large.
    #[arg(long, default_value = "small")]
    budget: String,
    /// Repetitions of every configuration (default: 1 for tiny, 2 for small, 3 for medium and large).
    #[arg(long, default_value_t = 0)]
    seeds: usize,
    /// Where to write the sweep record (default: sweep-KIND-BUDGET.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// gpu, cpu, or auto (a real GPU when there is one; the CPU rather than a software GPU).
    #[arg(long, default_value = "auto")]
    backend: String,
    /// Print the plan and its estimated cost, train nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep the runs already in --out and train only the missing ones.
    #[arg(long)]
    resume: bool,
    /// Train at most this many runs now (the record says how many of the plan are done; --resume continues).
    #[arg(long)]
    max_runs: Option<usize>,
    /// Train only every N-th run of the plan, starting at the K-th ("K/N"), so N processes or machines can share a
    /// sweep; join their records with --merge.
    #[arg(long)]
    shard: Option<String>,
    /// Train nothing: join these records of the same plan (shards, or partial runs) into --out and analyse them.
    #[arg(long, num_args = 1..)]
    merge: Vec<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    memory: MemoryArgs,
}

/// "K/N" with 1 <= K <= N: which runs of the plan this process trains (index % N == K - 1).
fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard {text}: expected K/N with 1 <= K <= N, for example 2/4");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k - 1, n))
}

/// Writes the record atomically, so an interrupted sweep never leaves a half-written record behind.
fn write_record(out: &Path, record: &SweepRecord) -> Result<(), String> {
    write_atomic(out, record.to_json().as_bytes())
}

/// Reads a sweep record file, within the size limit of records.
fn read_record(path: &Path) -> Result<SweepRecord, String> {
    let text = read_text_limited(path, MAX_RECORD_BYTES, "a sweep record")?;
    SweepRecord::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The checkpoint of the run a Ctrl-C interrupted, beside the record: `OUT.interrupted.safetensors` (its JSON and
/// trainer state beside it), continued by --resume and removed once that run finishes.
fn interrupted_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_os_string();
    name.push(".interrupted.safetensors");
    name.into()
}

/// `--merge`: joins partial records of one plan.
fn merge(files: &[PathBuf], out: &Path, plan: &SweepPlan) -> Result<(), String> {
    let inputs: Vec<Named> = files.iter().map(|f| Named::new("--merge", f)).collect();
    check_paths(&[Named::new("--out", out)], &inputs)?;
    let mut parts = Vec::new();
    for file in files {
        let part = read_record(file)?;
        let (name, here) = (file.display().to_string(), "these arguments");
        if let Some(diff) = part.plan.difference(plan, &name, here) {
            return Err(format!("{name} is not a record of the plan these arguments make: {diff}"));
        }
        parts.push(part);
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let record = SweepRecord::merge_named(parts, &names)?;
    write_record(out, &record)?;
    println!("{} of {} runs merged into {}", record.runs.len(), record.plan.runs.len(), out.display());
    print_analysis(&record);
    Ok(())
}

/// Runs `lab sweep`.
pub fn run(args: SweepArgs) -> Result<(), String> {
    let kind: SweepKind = args.kind.parse()?;
    let budget: Budget = args.budget.parse()?;
    let plan = plan(kind, budget, args.seeds);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("sweep-{kind}-{budget}.json")));
    if args.dry_run {
        print_plan(&plan);
        return Ok(());
    }
    if !args.merge.is_empty() {
        return merge(&args.merge, &out, &plan);
    }
    let (shard, shards) = args.shard.as_deref().map_or(Ok((0, 1)), parse_shard)?;
    let partial = interrupted_path(&out);
    let outputs = [
        Named::new("--out", &out),
        Named::new("the interrupted run's checkpoint", &partial),
        Named::new("its JSON", sidecar_path(&partial)),
        Named::new("its trainer state", state_path(&partial)),
    ];
    check_paths(&outputs, &[])?;
    args.memory.apply();
    let mut done: Vec<RunResult> = Vec::new();
    if args.resume && out.exists() {
        let old = read_record(&out)?;
        if let Some(diff) = old.plan.difference(&plan, &out.display().to_string(), "these arguments") {
            return Err(format!(
                "{} holds another plan; it cannot be resumed with these arguments: {diff}",
                out.display()
            ));
        }
        done = old.runs;
        eprintln!("resuming: {} of {} runs already done", done.len(), plan.runs.len());
    }

    let spec: DataSpec = plan.data.parse().map_err(|e: compute::data::DataError| e.to_string())?;
    let tok: TokenizerSpec = plan.tokenizer.parse().map_err(|e: compute::data::DataError| e.to_string())?;
    let data = Dataset::load(&spec, tok).map_err(|e| e.to_string())?;
    let choice = choose_backend(&args.backend)?;
    let device = match &choice {
        BackendChoice::Gpu(gpu) => format!("GPU: {} ({})", gpu.report.name, gpu.report.backend),
        BackendChoice::Cpu => "CPU reference backend (native)".to_string(),
    };
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let created = now_iso8601();
    let todo: Vec<&PlannedRun> = plan
        .runs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % shards == shard)
        .map(|(_, r)| r)
        .filter(|r| !done.iter().any(|d| d.id == r.id))
        .take(args.max_runs.unwrap_or(usize::MAX))
        .collect();
    let total_flops: f64 = todo.iter().map(|r| r.estimated_flops()).sum::<f64>() + 0.0; // + 0.0: no "-0" when empty
    eprintln!(
        "{kind} sweep, {budget} budget: {} runs to train ({} planned), ~{:.2e} FLOPs on {device}",
        todo.len(),
        plan.runs.len(),
        total_flops
    );
    let start = Instant::now();
    let mut flops_done = 0.0;
    let mut shown = Instant::now();
    for (i, planned) in todo.iter().enumerate() {
        let resume_from = (args.resume && partial.exists()).then_some(partial.as_path());
        let result = train_one(planned, &data, &choice, &created, resume_from, |step, val| {
            // At most ten redraws a second.
            if !args.quiet && shown.elapsed().as_secs_f64() >= 0.1 {
                shown = Instant::now();
                let frac = step as f64 / planned.steps.max(1) as f64;
                progress(
                    i,
                    todo.len(),
                    flops_done + frac * planned.estimated_flops(),
                    total_flops,
                    start,
                    planned,
                    val,
                );
            }
        })?;
        let result = match result {
            Ok(result) => result,
            Err(trainer) => {
                let record = SweepRecord::new(plan.clone(), done.clone(), created, device, command);
                write_record(&out, &record)?;
                return interrupt(*trainer, planned, &partial, &out, &done, &plan);
            }
        };
        flops_done += planned.estimated_flops();
        if !args.quiet {
            eprint!("\r{:120}\r", "");
        }
        eprintln!(
            "{:>3}/{} {:<44} N={:<6} D={:<6} val loss {}  {:.1} s",
            i + 1,
            todo.len(),
            planned.id,
            short_number(planned.n()),
            short_number(planned.tokens as f64),
            result.loss.map_or_else(|| result.error.clone().unwrap_or_default(), |l| format!("{l:.4}")),
            result.seconds.unwrap_or(0.0)
        );
        done.push(result);
        let record = SweepRecord::new(plan.clone(), done.clone(), created.clone(), device.clone(), command.clone());
        write_record(&out, &record)?;
        if interrupted() {
            return Err(format!(
                "interrupted: {} of {} runs are in {}; --resume trains the rest",
                done.len(),
                plan.runs.len(),
                out.display()
            ));
        }
    }
    let record = SweepRecord::new(plan.clone(), done, created, device, command);
    write_record(&out, &record)?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{} of {} runs in {}; {:.2e} FLOPs at {:.1} GFLOP/s; record written to {}",
        record.runs.len(),
        plan.runs.len(),
        duration(elapsed),
        flops_done,
        flops_done / elapsed.max(1e-9) / 1e9,
        out.display()
    );
    print_analysis(&record);
    Ok(())
}

fn print_analysis(record: &SweepRecord) {
    match (&record.analysis, &record.analysis_error) {
        (Some(a), _) => println!("\n{}", a.summary()),
        (None, Some(e)) => println!("\nno analysis yet: {e}"),
        _ => {}
    }
}

/// Saves the run a Ctrl-C interrupted (its checkpoint and trainer state at `partial`) and says what was kept; the
/// finished runs are already in the record.
fn interrupt(
    mut trainer: Trainer,
    planned: &PlannedRun,
    partial: &Path,
    out: &Path,
    done: &[RunResult],
    plan: &SweepPlan,
) -> Result<(), String> {
    let step = trainer.steps_done();
    let kept = if step > 0 {
        pollster::block_on(trainer.stop()).map_err(|e| e.to_string())?;
        let model = trainer.model().clone();
        save_checkpoint(partial, &mut trainer, &model)?;
        format!("{} was saved at step {step} in {}, and", planned.id, partial.display())
    } else {
        format!("{} had not trained a step;", planned.id)
    };
    Err(format!(
        "interrupted: {kept} {} of {} runs finished are in {}; --resume continues",
        done.len(),
        plan.runs.len(),
        out.display()
    ))
}

/// Trains one planned run to the end, continuing the one saved at `resume_from` when it is this run;
/// `tick(step, last val loss)` after every step. A Ctrl-C hands back the trainer as it stands (Err).
fn train_one(
    planned: &PlannedRun,
    data: &Dataset,
    choice: &BackendChoice,
    created: &str,
    resume_from: Option<&Path>,
    mut tick: impl FnMut(usize, f64),
) -> Result<Result<RunResult, Box<Trainer>>, String> {
    if planned.model.vocab_size != data.vocab_size() {
        return Err(format!(
            "{}: the plan's vocabulary is {} but the data's tokenizer has {}",
            planned.id,
            planned.model.vocab_size,
            data.vocab_size()
        ));
    }
    let cfg = planned.train_config();
    let saved = resume_from.and_then(|p| saved_run(p).ok());
    let saved = saved.filter(|(_, state)| state.record.model == planned.model && state.record.train == cfg);
    let resumed = saved.is_some();
    let mut trainer = match saved {
        Some((params, state)) => {
            eprintln!("continuing {} from step {}", planned.id, state.step);
            Trainer::resume(choice.clone(), data, params, &state, native_clock())
        }
        None => Trainer::new(choice.clone(), &planned.model, &cfg, data, created.to_string(), native_clock()),
    }
    .map_err(|e| format!("{}: {e}", planned.id))?;
    let mut val = f64::NAN;
    while !trainer.is_done() {
        if interrupted() {
            return Ok(Err(Box::new(trainer)));
        }
        for event in pollster::block_on(trainer.step()).map_err(|e| format!("{}: {e}", planned.id))? {
            if let MetricEvent::Eval(p) = event {
                val = p.val_loss;
            }
        }
        tick(trainer.steps_done(), val);
    }
    // The run is whole now: what a Ctrl-C kept of it is no longer needed.
    if let Some(partial) = resume_from.filter(|_| resumed) {
        for path in [sidecar_path(partial), state_path(partial), partial.to_path_buf()] {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(Ok(RunResult::from_record(planned, trainer.record())))
}

/// One overwritten line: overall bar by FLOPs, runs, ETA, and the current run's step and loss.
fn progress(i: usize, n: usize, done: f64, total: f64, start: Instant, run: &PlannedRun, val: f64) {
    let frac = (done / total.max(1.0)).clamp(0.0, 1.0);
    let elapsed = start.elapsed().as_secs_f64();
    let eta = if frac > 0.0 { elapsed / frac * (1.0 - frac) } else { f64::NAN };
    let bar: String = (0..24).map(|k| if (k as f64) < 24.0 * frac { '#' } else { '.' }).collect();
    eprint!(
        "\r[{bar}] {:>3.0}% run {}/{n} ETA {}  {} val {val:.4}   ",
        100.0 * frac,
        i + 1,
        if eta.is_finite() { duration(eta) } else { "?".into() },
        run.id
    );
    let _ = std::io::stderr().flush();
}

/// "42 s", "3m 20s", "1h 05m".
fn duration(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s / 60 % 60),
    }
}

fn print_plan(plan: &SweepPlan) {
    println!("{} sweep, {} budget, {} seed(s), {} runs", plan.kind, plan.budget, plan.seeds, plan.runs.len());
    println!("data {} ({} tokenizer); learning rates: {}", plan.data, plan.tokenizer, plan.lr_rule);
    for note in &plan.notes {
        println!("  {note}");
    }
    let flops = plan.estimated_flops();
    println!(
        "estimated {flops:.2e} FLOPs: {} at 0.25 TFLOP/s (a laptop GPU), {} at 10 GFLOP/s (the CPU backend)",
        duration(flops / 0.25e12),
        duration(flops / 1e10)
    );
    println!("{:<44} {:>8} {:>9} {:>6} {:>9} {:>9}", "run", "N", "tokens", "batch", "lr", "FLOPs");
    for r in plan.runs.iter().filter(|r| r.seed == plan.runs[0].seed) {
        println!(
            "{:<44} {:>8} {:>9} {:>6} {:>9.2e} {:>9.2e}",
            r.id,
            r.n(),
            r.tokens,
            r.batch,
            r.lr,
            r.estimated_flops()
        );
    }
    if plan.seeds > 1 {
        println!("(each repeated with {} seeds)", plan.seeds);
    }
}
