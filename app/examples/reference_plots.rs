//! Draws the committed reference sweeps (public/reference/<kind>-<budget>.json, the largest budget of each kind) with
//! the page's own chart code into docs/reference-<chart>.svg, for the README:
//!
//!     cargo run -p app --example reference_plots

use app::plots::sweep_chart::{draw_on, Data};
use app::plots::{batch_plot, isoflop_plot, lr_plot, optima_plot, shape_plot, Size};
use compute::experiments::{Budget, SweepAnalysis, SweepKind, SweepRecord};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: Size = Size { width: 720, height: 420, ratio: 1.0 };

fn main() -> Result<(), String> {
    let root = compute::repository_dir();
    for kind in [SweepKind::Shape, SweepKind::IsoFlop, SweepKind::LearningRate, SweepKind::BatchSize] {
        let Some((path, record)) = largest_reference(&root, kind)? else {
            eprintln!("no reference for {kind}");
            continue;
        };
        let analysis = record.analysis.ok_or_else(|| format!("{}: {:?}", path.display(), record.analysis_error))?;
        let charts: Vec<(&str, Data)> = match &analysis {
            SweepAnalysis::Shape(a) => vec![("shape", shape_plot::data(SIZE, Some(a), None))],
            SweepAnalysis::IsoFlop(a) => vec![
                ("isoflop", isoflop_plot::data(SIZE, Some(a), None)),
                ("optima", optima_plot::data(SIZE, Some(a), None)),
            ],
            SweepAnalysis::LearningRate(a) => vec![("lr", lr_plot::data(SIZE, Some(a), None))],
            SweepAnalysis::BatchSize(a) => vec![("batch", batch_plot::data(SIZE, Some(a), None))],
        };
        for (name, chart) in charts {
            let out = root.join(format!("docs/reference-{name}.svg"));
            let rows = chart.series.len().div_ceil(2) as u32;
            let area = SVGBackend::new(&out, (SIZE.width, SIZE.height + LEGEND_ROW * rows + 8)).into_drawing_area();
            let (plot, legend) = area.split_vertically(SIZE.height);
            // The legend first: the chart presents (writes out) the whole file when it is done.
            draw_legend(&legend, &chart)?;
            draw_on(plot, &chart)?;
            println!("{} <- {}", out.display(), path.display());
        }
    }
    Ok(())
}

const LEGEND_ROW: u32 = 20;

/// The series' colours and labels under the chart, two to a row (the page shows them as HTML).
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, chart: &Data) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    for (i, s) in chart.series.iter().enumerate() {
        let (x, y) = (70 + (i as i32 % 2) * 330, 4 + (i as i32 / 2) * LEGEND_ROW as i32);
        area.draw(&Rectangle::new([(x, y + 3), (x + 12, y + 13)], s.color.filled())).map_err(|e| e.to_string())?;
        let text = Text::new(s.label.clone(), (x + 18, y + 1), ("sans-serif", 13).into_font().color(&BLACK));
        area.draw(&text).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The reference record of `kind` at the largest budget committed, as the page picks it.
fn largest_reference(root: &Path, kind: SweepKind) -> Result<Option<(PathBuf, SweepRecord)>, String> {
    for budget in Budget::ALL.iter().rev() {
        let path = root.join(format!("public/reference/{kind}-{budget}.json"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let record = SweepRecord::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            return Ok(Some((path, record)));
        }
    }
    Ok(None)
}
