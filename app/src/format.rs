//! Numbers as the page shows them: never NaN or infinity, always with a unit a person reads at a glance.

/// A number ready for the page: its text, or a dash with the reason there is no number.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    Number(String),
    Missing(String),
}

impl Shown {
    /// The text to show: the number, or "—".
    pub fn text(&self) -> String {
        match self {
            Shown::Number(s) => s.clone(),
            Shown::Missing(_) => "—".to_string(),
        }
    }

    /// Why there is no number (empty when there is one), for a tooltip and screen readers.
    pub fn reason(&self) -> String {
        match self {
            Shown::Number(_) => String::new(),
            Shown::Missing(why) => why.clone(),
        }
    }
}

/// A finite value through `f`, or a dash saying the value could not be represented.
fn finite(x: f64, f: impl Fn(f64) -> String) -> Shown {
    if x.is_finite() {
        Shown::Number(f(x))
    } else {
        Shown::Missing(if x.is_nan() { "undefined for this input" } else { "too large to represent" }.to_string())
    }
}

/// Scientific notation with up to three significant digits, trailing zeros dropped: 5.76e23, 2.1e-4, 1e22.
pub fn sci(x: f64) -> Shown {
    finite(x, |x| {
        if x == 0.0 {
            return "0".to_string();
        }
        let s = format!("{x:.2e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if mantissa.contains('.') => {
                format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    })
}

/// Plain with four significant digits in [0.01, 1e4) (20.47, 1.937), scientific otherwise.
pub fn plain(x: f64) -> Shown {
    finite(x, |x| {
        if x == 0.0 || !(1e-2..1e4).contains(&x.abs()) {
            return sci(x).text();
        }
        let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    })
}

/// A count with a short-scale suffix (69.9B, 1.40T, 512M); scientific beyond 1e15 or below 1000.
pub fn count(x: f64) -> Shown {
    finite(x, |x| {
        const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];
        if x.abs() >= 999.5e12 {
            return sci(x).text();
        }
        match SUFFIXES.iter().find(|(scale, _)| x.abs() >= scale * 0.9995) {
            Some((scale, suffix)) => format!("{}{suffix}", three_digits(x / scale)),
            None => plain(x).text(),
        }
    })
}

/// Three significant digits for 1 ≤ |x| < 1000: 1.40, 69.9, 512.
fn three_digits(x: f64) -> String {
    let decimals = if x.abs() >= 99.95 {
        0
    } else if x.abs() >= 9.995 {
        1
    } else {
        2
    };
    format!("{x:.decimals$}")
}

/// A duration given in hours, in the unit that reads best: minutes, hours, days or years.
pub fn duration_hours(hours: f64) -> Shown {
    finite(hours, |h| match h {
        h if h < 1.0 => format!("{} minutes", plain(h * 60.0).text()),
        h if h < 48.0 => format!("{} hours", plain(h).text()),
        h if h < 2.0 * 8766.0 => format!("{} days", plain(h / 24.0).text()),
        h => format!("{} years", plain(h / 8766.0).text()),
    })
}

/// A value for a URL or an input field that parses back to the same number: plain for everyday magnitudes (0.4, 1000),
/// otherwise the shorter of plain and scientific (1e21, 5.76e23).
pub fn roundtrip(x: f64) -> String {
    let short = format!("{x}");
    let exp = format!("{x:e}");
    if !(1e-3..1e6).contains(&x.abs()) && exp.len() < short.len() {
        exp
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_become_a_dash_with_a_reason() {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for f in [sci, plain, count, duration_hours] {
                let shown = f(x);
                assert_eq!(shown.text(), "—");
                assert!(!shown.reason().is_empty());
            }
        }
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(count(7e10).text(), "70.0B");
        assert_eq!(count(1.4e12).text(), "1.40T");
        assert_eq!(count(512e6).text(), "512M");
        assert_eq!(count(999.9e9).text(), "1.00T");
        assert_eq!(count(2e16).text(), "2e16");
        assert_eq!(count(12.0).text(), "12");
        assert_eq!(sci(5.76e23).text(), "5.76e23");
        assert_eq!(sci(1e22).text(), "1e22");
        assert_eq!(sci(2.1e-4).text(), "2.1e-4");
        assert_eq!(sci(0.0).text(), "0");
        assert_eq!(plain(20.4731).text(), "20.47");
        assert_eq!(plain(1.9).text(), "1.9");
        assert_eq!(duration_hours(36.0).text(), "36 hours");
        assert_eq!(duration_hours(24.0 * 10.0).text(), "10 days");
        assert_eq!(roundtrip(1e21), "1e21");
        assert_eq!(roundtrip(0.4), "0.4");
        assert_eq!(roundtrip(5.76e23), "5.76e23");
        assert_eq!(roundtrip(1000.0), "1000");
    }
}
