//! The calculator's inputs as typed: which question is asked, each field's text, its check, and its place in the URL.

use crate::format::roundtrip;
use crate::gpus::{self, Gpu};
use compute::scaling::hardware::{MAX_DEVICES, MAX_DEVICE_HOURS};
use compute::scaling::{check_positive, ScalingError, MAX_FLOPS, MAX_PARAMS, MAX_TOKENS};

/// What the user knows, and so what the calculator answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A budget in FLOPs: how large a model, on how much data.
    Flops,
    /// A budget in GPU-hours on a chosen GPU: the same, after converting to FLOPs.
    Hours,
    /// A model size: how much data, and the budget that makes it compute-optimal.
    Params,
    /// A data size: how large a model, and the budget that makes it compute-optimal.
    Tokens,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Flops, Mode::Hours, Mode::Params, Mode::Tokens];

    /// Id in the URL (`?mode=`), and the key of the field that holds this mode's input.
    pub fn id(self) -> &'static str {
        match self {
            Mode::Flops => "flops",
            Mode::Hours => "hours",
            Mode::Params => "params",
            Mode::Tokens => "tokens",
        }
    }

    /// Label of the choice.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Flops => "Compute budget (FLOPs)",
            Mode::Hours => "GPU-hours",
            Mode::Params => "Model size",
            Mode::Tokens => "Data size",
        }
    }
}

/// One numeric input field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Flops,
    Hours,
    Params,
    Tokens,
    /// Model FLOPs utilisation, typed in percent, kept in the URL as a fraction (`mfu=0.4`).
    Mfu,
    Gpus,
}

impl Field {
    pub const ALL: [Field; 6] = [Field::Flops, Field::Hours, Field::Params, Field::Tokens, Field::Mfu, Field::Gpus];

    /// Key in the URL.
    pub fn key(self) -> &'static str {
        match self {
            Field::Flops => "flops",
            Field::Hours => "hours",
            Field::Params => "params",
            Field::Tokens => "tokens",
            Field::Mfu => "mfu",
            Field::Gpus => "gpus",
        }
    }

    /// Text of a fresh field.
    pub fn default_text(self) -> &'static str {
        match self {
            Field::Flops => "1e21",
            Field::Hours => "10000",
            Field::Params => "7e9",
            Field::Tokens => "1.4e12",
            Field::Mfu => "40",
            Field::Gpus => "8",
        }
    }

    /// A valid value, for messages.
    fn example(self) -> &'static str {
        match self {
            Field::Flops => "5.76e23",
            Field::Hours => "1000",
            Field::Params => "7e9",
            Field::Tokens => "1.4e12",
            Field::Mfu => "40",
            Field::Gpus => "8",
        }
    }

    /// The field's text read as a valid value (MFU as a fraction), or a message to show beside it.
    pub fn parse(self, text: &str) -> Result<f64, String> {
        let x = number(text).map_err(|e| e.replace("{example}", self.example()))?;
        let checked = match self {
            Field::Flops => check_positive("flops", x, MAX_FLOPS),
            Field::Hours => check_positive("gpu_hours", x, MAX_DEVICE_HOURS),
            Field::Params => check_positive("params", x, MAX_PARAMS),
            Field::Tokens => check_positive("tokens", x, MAX_TOKENS),
            Field::Mfu => return mfu_percent(x),
            Field::Gpus => check_positive("gpus", x, MAX_DEVICES).and_then(|k| whole(k, "gpus")),
        };
        checked.map_err(message)
    }

    /// The URL value for this field's text (MFU percent becomes a fraction; text that is not a number stays as typed).
    pub fn url_value(self, text: &str) -> String {
        match (self, number(text)) {
            (Field::Mfu, Ok(percent)) => roundtrip(percent / 100.0),
            _ => text.trim().to_string(),
        }
    }

    /// The field's text for a URL value (the inverse of [`Field::url_value`]).
    pub fn text_for_url_value(self, value: &str) -> String {
        match (self, number(value)) {
            (Field::Mfu, Ok(fraction)) => roundtrip(fraction * 100.0),
            _ => value.to_string(),
        }
    }
}

/// Text read as a finite number; spaces and `_` digit separators are ignored.
fn number(text: &str) -> Result<f64, String> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    if cleaned.is_empty() {
        return Err("Enter a number.".to_string());
    }
    // Rust also reads "NaN", "inf" and "infinity": none of them is an input anyone means.
    let looks_numeric = cleaned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    match cleaned.parse::<f64>() {
        Ok(x) if looks_numeric && x.is_finite() => Ok(x),
        Ok(x) if looks_numeric && x.is_infinite() => Err("Too large to represent.".to_string()),
        _ => Err("This is not a number: write digits, e.g. {example}.".to_string()),
    }
}

/// MFU typed in percent: (0, 100].
fn mfu_percent(percent: f64) -> Result<f64, String> {
    if percent <= 0.0 {
        Err("Must be greater than zero.".to_string())
    } else if percent > 100.0 {
        Err("A utilisation is at most 100%.".to_string())
    } else {
        Ok(percent / 100.0)
    }
}

fn whole(k: f64, name: &'static str) -> Result<f64, ScalingError> {
    if k.fract() == 0.0 {
        Ok(k)
    } else {
        Err(ScalingError::Invalid { name, value: k, why: "must be a whole number".into() })
    }
}

/// The reason of a check's error as a sentence ("Must be greater than zero.").
fn message(e: ScalingError) -> String {
    let why = match e {
        ScalingError::Invalid { why, .. } => why,
        other => other.to_string(),
    };
    let why = if why.starts_with("is ") { format!("this value {why}") } else { why };
    let mut chars = why.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Everything typed into the calculator.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub mode: Mode,
    pub gpu: Gpu,
    /// Text of each field, in the order of [`Field::ALL`].
    pub texts: [String; 6],
}

impl Default for Form {
    fn default() -> Self {
        Form { mode: Mode::Flops, gpu: gpus::DEFAULT, texts: Field::ALL.map(|f| f.default_text().to_string()) }
    }
}

impl Form {
    pub fn text(&self, field: Field) -> &str {
        &self.texts[index(field)]
    }

    pub fn set_text(&mut self, field: Field, text: String) {
        self.texts[index(field)] = text;
    }

    /// The form a URL describes. Without `mode`, the first of `flops`, `hours`, `params`, `tokens` present picks it.
    pub fn from_query(pairs: &[(String, String)]) -> Form {
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let mut form = Form::default();
        for field in Field::ALL {
            if let Some(value) = get(field.key()) {
                form.set_text(field, field.text_for_url_value(value));
            }
        }
        if let Some(gpu) = get("gpu").and_then(gpus::by_id) {
            form.gpu = gpu;
        }
        let named = get("mode").and_then(|m| Mode::ALL.into_iter().find(|mode| mode.id() == m));
        let implied = Mode::ALL.into_iter().find(|mode| get(mode.id()).is_some());
        form.mode = named.or(implied).unwrap_or(Mode::Flops);
        form
    }

    /// URL updates for this form: the mode's own input and the hardware, other modes' inputs removed.
    pub fn to_query(&self) -> Vec<(&'static str, Option<String>)> {
        let mut updates = vec![("mode", None)];
        for mode in Mode::ALL {
            let field = mode_field(mode);
            let value = (mode == self.mode).then(|| field.url_value(self.text(field)));
            updates.push((field.key(), value));
        }
        // Hardware left at its defaults stays out of the URL, so a plain budget gives a short link.
        updates.push(("gpu", (self.gpu != gpus::DEFAULT).then(|| self.gpu.id.to_string())));
        for field in [Field::Mfu, Field::Gpus] {
            let text = self.text(field);
            updates.push((field.key(), (text != field.default_text()).then(|| field.url_value(text))));
        }
        updates
    }
}

/// The field holding a mode's input.
pub fn mode_field(mode: Mode) -> Field {
    match mode {
        Mode::Flops => Field::Flops,
        Mode::Hours => Field::Hours,
        Mode::Params => Field::Params,
        Mode::Tokens => Field::Tokens,
    }
}

fn index(field: Field) -> usize {
    Field::ALL.iter().position(|&f| f == field).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        s.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn invalid_text_gets_a_message_a_person_can_act_on() {
        assert_eq!(Field::Flops.parse("-5"), Err("Must be greater than zero.".to_string()));
        assert_eq!(Field::Flops.parse("0"), Err("Must be greater than zero.".to_string()));
        assert!(Field::Flops.parse("abc").unwrap_err().contains("not a number"));
        assert!(Field::Flops.parse("NaN").unwrap_err().contains("not a number"));
        assert!(Field::Flops.parse("inf").unwrap_err().contains("not a number"));
        assert_eq!(Field::Flops.parse("1e999"), Err("Too large to represent.".to_string()));
        assert!(Field::Flops.parse("1e41").unwrap_err().starts_with("This value is absurdly large"));
        assert_eq!(Field::Flops.parse(""), Err("Enter a number.".to_string()));
        assert_eq!(Field::Gpus.parse("2.5"), Err("Must be a whole number.".to_string()));
        assert!(Field::Mfu.parse("150").is_err());
        assert!(Field::Mfu.parse("abc").unwrap_err().ends_with("e.g. 40."));
        assert_eq!(Field::Mfu.parse("40"), Ok(0.4));
        assert_eq!(Field::Flops.parse(" 5.76e23 "), Ok(5.76e23));
        assert_eq!(Field::Params.parse("7_000_000_000"), Ok(7e9));
    }

    #[test]
    fn the_url_round_trips_the_form() {
        let form = Form::from_query(&pairs("view=calculator&gpu=a100&hours=1000&mfu=0.35&gpus=64"));
        assert_eq!(form.mode, Mode::Hours);
        assert_eq!(form.gpu.id, "a100");
        assert_eq!(form.text(Field::Hours), "1000");
        assert_eq!(form.text(Field::Mfu), "35");
        assert_eq!(form.text(Field::Gpus), "64");
        let updates = form.to_query();
        let value = |k: &str| updates.iter().find(|(key, _)| *key == k).and_then(|(_, v)| v.clone());
        assert_eq!(value("hours").as_deref(), Some("1000"));
        assert_eq!(value("mfu").as_deref(), Some("0.35"));
        assert_eq!(value("flops"), None);
        assert_eq!(Form::from_query(&pairs("params=7e9")).mode, Mode::Params);
        let plain = Form::from_query(&pairs("flops=1e21")).to_query();
        assert!(plain.iter().all(|(k, v)| v.is_none() || *k == "flops"), "defaults stay out: {plain:?}");
        assert_eq!(Form::from_query(&pairs("flops=abc")).text(Field::Flops), "abc");
        assert_eq!(Form::from_query(&pairs("gpu=nope")).gpu, gpus::DEFAULT);
    }
}
