//! Observed (N, D, loss) points, parsed from CSV or JSON text (the page hands over file contents; the CLI reads files).

use super::{check_positive, ScalingError, MAX_FLOPS, MAX_PARAMS, MAX_TOKENS};
use serde::Serialize;
use serde_json::Value;

/// Largest loss accepted (nats per token): a uniform guess over a million symbols is ln(1e6) ≈ 14.
pub const MAX_LOSS: f64 = 1e3;

/// One trained model: its size, its data, its final loss, and optionally its compute.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// Parameters.
    pub n: f64,
    /// Training tokens.
    pub d: f64,
    /// Final loss (nats per token).
    pub loss: f64,
    /// Training FLOPs, when given (otherwise 6·N·D is used).
    pub flops: Option<f64>,
}

impl Observation {
    /// A checked observation: every number finite, positive and not absurdly large.
    pub fn new(n: f64, d: f64, loss: f64, flops: Option<f64>) -> Result<Observation, ScalingError> {
        Ok(Observation {
            n: check_positive("N", n, MAX_PARAMS)?,
            d: check_positive("D", d, MAX_TOKENS)?,
            loss: check_positive("loss", loss, MAX_LOSS)?,
            flops: flops.map(|c| check_positive("C", c, MAX_FLOPS)).transpose()?,
        })
    }

    /// The compute of this point: C as given, else 6·N·D.
    pub fn compute(&self) -> f64 {
        self.flops.unwrap_or(6.0 * self.n * self.d)
    }
}

/// Column or field names accepted for each quantity (case-insensitive).
const N_NAMES: [&str; 4] = ["n", "params", "parameters", "n_params"];
const D_NAMES: [&str; 4] = ["d", "tokens", "n_tokens", "data"];
const LOSS_NAMES: [&str; 4] = ["loss", "l", "final_loss", "val_loss"];
const C_NAMES: [&str; 4] = ["c", "flops", "compute", "c_flops"];

/// Parses points from `text`: a JSON array of objects (or an object holding one under "points" or "runs") when the text
/// starts with `[` or `{`, CSV with a header row otherwise. This is the one place to teach new record formats.
pub fn parse_observations(text: &str) -> Result<Vec<Observation>, ScalingError> {
    let points = match text.trim_start().chars().next() {
        Some('[') | Some('{') => parse_json(text)?,
        Some(_) => parse_csv(text)?,
        None => Vec::new(),
    };
    if points.is_empty() {
        return Err(ScalingError::NotEnoughData("the file holds no data points".into()));
    }
    Ok(points)
}

/// A run record of `lab train --out` or the page's export.
fn is_run_record(v: &Value) -> bool {
    v.get("format").and_then(Value::as_str).is_some_and(|f| f.starts_with("scaling-lab-run/"))
}

fn column(names: &[&str], header: &[String]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

/// CSV: comma-separated, a header row naming N, D, loss (and optionally C); blank lines and `#` comments skipped;
/// other columns ignored.
fn parse_csv(text: &str) -> Result<Vec<Observation>, ScalingError> {
    let mut rows =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((header_line, header)) = rows.next() else { return Ok(Vec::new()) };
    let header: Vec<String> = header.split(',').map(|h| h.trim().trim_matches('"').to_ascii_lowercase()).collect();
    if header.iter().all(|h| h.parse::<f64>().is_ok()) {
        return Err(ScalingError::Parse {
            line: header_line,
            message: "the first row must be a header naming the columns N, D and loss (and optionally C)".into(),
        });
    }
    let missing = |what: &str| ScalingError::Parse {
        line: header_line,
        message: format!(
            "the header has no {what} column (found: {}; expected N, D, loss and optionally C)",
            header.join(", ")
        ),
    };
    let n_col = column(&N_NAMES, &header).ok_or_else(|| missing("N (parameters)"))?;
    let d_col = column(&D_NAMES, &header).ok_or_else(|| missing("D (tokens)"))?;
    let loss_col = column(&LOSS_NAMES, &header).ok_or_else(|| missing("loss"))?;
    let c_col = column(&C_NAMES, &header);

    let mut out = Vec::new();
    for (line, row) in rows {
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != header.len() {
            return Err(ScalingError::Parse {
                line,
                message: format!("expected {} fields as in the header, found {}", header.len(), fields.len()),
            });
        }
        let number = |col: usize| -> Result<f64, ScalingError> {
            fields[col].parse::<f64>().map_err(|_| ScalingError::Parse {
                line,
                message: format!("column {} is not a number: '{}'", header[col], fields[col]),
            })
        };
        let c = match c_col {
            Some(col) if !fields[col].is_empty() => Some(number(col)?),
            _ => None,
        };
        let point = Observation::new(number(n_col)?, number(d_col)?, number(loss_col)?, c)
            .map_err(|e| ScalingError::Parse { line, message: e.to_string() })?;
        out.push(point);
    }
    Ok(out)
}

/// JSON: an array of objects with n/params, d/tokens, loss and optionally c/flops; or {"points": [...]} / {"runs": [...]}.
/// In a sweep record (`"format": "scaling-lab-sweep/…"`) runs whose loss is null (diverged or failed) are skipped.
/// Run records (`lab train --out`, the page's export: one, or an array of them) give N = non_embedding_params,
/// D = tokens_seen and loss = final_val_loss; runs without a validation loss are skipped.
fn parse_json(text: &str) -> Result<Vec<Observation>, ScalingError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ScalingError::Parse { line: e.line(), message: format!("invalid JSON: {e}") })?;
    let one = [value.clone()];
    let items = match &value {
        Value::Object(_) if is_run_record(&value) => &one[..],
        Value::Array(items) => items,
        Value::Object(map) => match map.get("points").or_else(|| map.get("runs")) {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(ScalingError::Parse {
                    line: 1,
                    message: "expected a JSON array of records, or an object with a \"points\" or \"runs\" array"
                        .into(),
                })
            }
        },
        _ => unreachable!("parse_observations only sends text starting with [ or {{"),
    };
    // A sweep record (experiments::SweepRecord) keeps runs that diverged, with a null loss: they are not points.
    let sweep = value.get("format").and_then(Value::as_str).is_some_and(|f| f.starts_with("scaling-lab-sweep"));
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| !(sweep && item.get("loss").is_some_and(Value::is_null)))
        .filter(|(_, item)| !is_run_record(item) || item.get("final_val_loss").is_some_and(Value::is_number))
        .map(|(i, item)| {
            let index = i + 1;
            let bad = |message: String| ScalingError::Record { index, message };
            if is_run_record(item) {
                let num = |k: &str| item.get(k).and_then(Value::as_f64).ok_or_else(|| bad(format!("no number {k}")));
                let (n, d) = (num("non_embedding_params")?, num("tokens_seen")?);
                return Observation::new(n, d, num("final_val_loss")?, None).map_err(|e| bad(e.to_string()));
            }
            let Value::Object(map) = item else { return Err(bad("expected an object".into())) };
            let field = |names: &[&str]| -> Result<Option<f64>, ScalingError> {
                let found = map.iter().find(|(k, _)| names.contains(&k.to_ascii_lowercase().as_str()));
                match found {
                    None | Some((_, Value::Null)) => Ok(None),
                    Some((k, Value::Number(x))) => {
                        x.as_f64().map(Some).ok_or_else(|| bad(format!("field {k} is out of range")))
                    }
                    Some((k, v)) => Err(bad(format!("field {k} must be a number, found {v}"))),
                }
            };
            let need = |names: &[&str], what: &str| field(names)?.ok_or_else(|| bad(format!("missing field {what}")));
            let n = need(&N_NAMES, "n (or params)")?;
            let d = need(&D_NAMES, "d (or tokens)")?;
            let loss = need(&LOSS_NAMES, "loss")?;
            Observation::new(n, d, loss, field(&C_NAMES)?).map_err(|e| bad(e.to_string()))
        })
        .collect()
}
