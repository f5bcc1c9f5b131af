//! `lab`: the native command line of Scaling Lab.

use clap::{Parser, Subcommand};

mod bench;
mod calc;
mod data_cmd;
mod eval;
mod fit;
mod float_mode;
mod guard;
mod sweep;
mod train;

#[derive(Parser)]
#[command(name = "lab", version, about = "Scaling Lab: train tiny language models and check scaling laws")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the GPU adapter and the limits that matter for training.
    Device {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Data sources: prepare the Brown corpus, inspect a dataset and its tokenizer.
    Data {
        #[command(subcommand)]
        command: data_cmd::DataCommand,
    },
    /// Scaling-law calculator: compute-optimal N and D for a budget under each published fit, side by side.
    Calc(calc::CalcArgs),
    /// Fit scaling laws (Approach 3, Approach 2, single power laws) to (N, D, loss) points from a CSV or JSON file.
    Fit(fit::FitArgs),
    /// Run a sweep (shape, isoflop, lr, batch) at a budget and write its sweep record with the analysis.
    Sweep(sweep::SweepArgs),
    /// Train a model (GPU or CPU) and write its run record and checkpoint.
    Train(Box<train::TrainArgs>),
    /// Mean loss of a checkpoint on a text file, as JSON.
    Eval(eval::EvalArgs),
    /// Training throughput at three sizes against PyTorch on the same machine.
    Bench(bench::BenchArgs),
}

fn main() {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`lab sweep --dry-run | head`) panics; restore the default.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    float_mode::flush_subnormals();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Train(_) | Command::Sweep(_)) {
        guard::catch_interrupts();
    }
    let result = match cli.command {
        Command::Device { json } => device(json),
        Command::Calc(args) => calc::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Data { command } => data_cmd::run(command),
        Command::Train(args) => train::run(*args),
        Command::Eval(args) => eval::run(args),
        Command::Bench(args) => bench::run(args),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(if guard::interrupted() { guard::INTERRUPTED_EXIT } else { 1 });
    }
}

fn device(json: bool) -> Result<(), String> {
    let gpu = pollster::block_on(compute::gpu::Gpu::request()).map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&gpu.report).map_err(|e| e.to_string())?);
    } else {
        for (key, value) in gpu.report.lines() {
            println!("{key:>32}: {value}");
        }
    }
    Ok(())
}
