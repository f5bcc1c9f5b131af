//! How two sweep plans differ, field by field, so a refused merge or resume names what is not the same.

use super::SweepPlan;

impl SweepPlan {
    /// What differs between this plan (called `mine`) and `other` (called `theirs`), field by field, e.g.
    /// "seeds: 2 in a.json, 1 in these arguments"; None when the plans are equal.
    pub fn difference(&self, other: &SweepPlan, mine: &str, theirs: &str) -> Option<String> {
        if self == other {
            return None;
        }
        let (a, b) = (serde_json::to_value(self).ok()?, serde_json::to_value(other).ok()?);
        let mut out = Vec::new();
        for key in ["kind", "budget", "seeds", "data", "tokenizer", "lr_rule", "notes"] {
            if a.get(key) != b.get(key) {
                out.push(format!("{key}: {} in {mine}, {} in {theirs}", clip(&a[key]), clip(&b[key])));
            }
        }
        if self.runs.len() != other.runs.len() {
            out.push(format!("{} runs in {mine}, {} in {theirs}", self.runs.len(), other.runs.len()));
        } else if let Some((x, y)) = self.runs.iter().zip(&other.runs).find(|(x, y)| x != y) {
            let (vx, vy) = (serde_json::to_value(x).ok()?, serde_json::to_value(y).ok()?);
            let fields: Vec<String> = vx
                .as_object()?
                .iter()
                .filter(|(k, v)| vy.get(k.as_str()) != Some(*v))
                .map(|(k, v)| format!("{k} {} in {mine}, {} in {theirs}", clip(v), clip(&vy[k.as_str()])))
                .collect();
            out.push(format!("run {}: {}", x.id, fields.join("; ")));
        }
        Some(out.join("; "))
    }
}

/// A JSON value for a message, at most 60 characters.
fn clip(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}
