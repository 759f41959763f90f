//! Degrees, minutes and seconds as licences print them: `112°26′18.123″`,
//! ASCII `112d26'18.123"` or `112°26'18"`, full-width `112°26＇18.123＂`,
//! with an optional hemisphere letter (E/N, 东经/北纬); plain decimal degrees too.

/// Why a text is not an angle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("'{text}' is not an angle in degrees, minutes and seconds: {reason}")]
pub struct DmsError {
    pub text: String,
    pub reason: &'static str,
}

/// Parses an angle in DMS or decimal degrees.
pub fn parse_angle(text: &str) -> Result<f64, DmsError> {
    let err = |reason| DmsError {
        text: text.to_string(),
        reason,
    };
    let mut t = text.trim().to_string();
    let mut sign = 1.0;
    for (marks, s) in [
        (&["东经", "北纬", "E", "N", "e", "n"][..], 1.0),
        (&["西经", "南纬", "W", "S", "w", "s"][..], -1.0),
    ] {
        for m in marks {
            if let Some(rest) = t.strip_prefix(m) {
                t = rest.trim().to_string();
                sign = s;
            } else if let Some(rest) = t.strip_suffix(m) {
                t = rest.trim().to_string();
                sign = s;
            }
        }
    }
    if let Some(rest) = t.strip_prefix('-') {
        t = rest.to_string();
        sign = -sign;
    }
    // Every degree, minute and second mark becomes a separator.
    let normalised: String = t
        .chars()
        .map(|c| match c {
            '°' | 'º' | 'd' | 'D' | '度' => '|',
            '′' | '\'' | '＇' | '’' | '‘' | '分' => '|',
            '″' | '"' | '＂' | '”' | '“' | '秒' => '|',
            ':' => '|',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = normalised
        .split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(err("expected degrees, then optional minutes and seconds"));
    }
    let numbers: Vec<f64> = parts
        .iter()
        .map(|p| p.parse::<f64>().map_err(|_| err("a part is not a number")))
        .collect::<Result<_, _>>()?;
    if numbers.iter().any(|n| !n.is_finite() || *n < 0.0) {
        return Err(err("parts must be finite and not negative"));
    }
    let (d, m, s) = (
        numbers[0],
        numbers.get(1).copied().unwrap_or(0.0),
        numbers.get(2).copied().unwrap_or(0.0),
    );
    if numbers.len() > 1 && d.fract() != 0.0 {
        return Err(err("degrees with a fraction cannot be followed by minutes"));
    }
    if m >= 60.0 || s >= 60.0 {
        return Err(err("minutes and seconds must be below 60"));
    }
    Ok(sign * (d + m / 60.0 + s / 3600.0))
}

/// Writes an angle as `112°26′18.123″` (seconds to 3 decimals).
pub fn format_angle(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    // Round once, at the thousandth of a second, so 59.9995″ carries over.
    let total_ms = (value.abs() * 3_600_000.0).round() as u64;
    let (deg, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (min, ms) = (rest / 60_000, rest % 60_000);
    format!("{sign}{deg}°{min:02}′{:02}.{:03}″", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_a_licence_writes_degrees_minutes_seconds_reads_the_same() {
        let expected = 112.0 + 26.0 / 60.0 + 18.123 / 3600.0;
        for text in [
            "112°26′18.123″",
            "112d26'18.123\"",
            "112°26'18.123\"",
            "112°26＇18.123＂",
            "E112°26′18.123″",
            "东经112°26′18.123″",
            "112度26分18.123秒",
            "112:26:18.123",
        ] {
            assert!(
                (parse_angle(text).unwrap() - expected).abs() < 1e-12,
                "{text}"
            );
        }
        assert_eq!(parse_angle("36.25").unwrap(), 36.25);
    }

    #[test]
    fn minutes_of_sixty_or_more_are_refused() {
        assert!(parse_angle("112°60′00″").is_err());
        assert!(parse_angle("112°26′61″").is_err());
        assert!(parse_angle("abc").is_err());
    }

    #[test]
    fn formatting_rounds_seconds_to_three_decimals_and_carries() {
        assert_eq!(
            format_angle(112.0 + 26.0 / 60.0 + 18.123 / 3600.0),
            "112°26′18.123″"
        );
        assert_eq!(
            format_angle(36.0 + 59.0 / 60.0 + 59.9996 / 3600.0),
            "37°00′00.000″"
        );
    }
}
