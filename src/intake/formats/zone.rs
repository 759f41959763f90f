//! CGCS2000 Gauss-Krüger zones and their EPSG codes.
//!
//! | EPSG | zones | easting |
//! | --- | --- | --- |
//! | 4491–4501 | 6° zones 13–23 | with zone prefix |
//! | 4502–4512 | 6° zones 13–23 (CM 75°E–135°E) | without |
//! | 4513–4533 | 3° zones 25–45 | with zone prefix |
//! | 4534–4554 | 3° zones 25–45 (CM 75°E–135°E) | without |

/// Why a zone was refused: the HTTP API and the command line say the same.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "'{0}' is not a CGCS2000 Gauss-Krüger zone: give a zone number (3° 25–45, 6° 13–23) or EPSG:4491–4554"
)]
pub struct NotAZone(pub String);

/// A Gauss-Krüger zone on CGCS2000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GkZone {
    /// 3 or 6 (degrees).
    pub width: u8,
    /// Zone number: 25–45 for 3° zones, 13–23 for 6° zones.
    pub number: u32,
    /// Whether eastings carry the zone number in front (8 digits).
    pub prefixed: bool,
}

impl GkZone {
    /// The zone of a 3° or 6° width with this number, if CGCS2000 defines it.
    pub fn new(width: u8, number: u32, prefixed: bool) -> Option<GkZone> {
        let ok = match width {
            3 => (25..=45).contains(&number),
            6 => (13..=23).contains(&number),
            _ => false,
        };
        ok.then_some(GkZone {
            width,
            number,
            prefixed,
        })
    }

    /// The zone a zone-prefixed easting names (`38383678.71` → 3° zone 38).
    pub fn from_prefixed_easting(easting: f64, width: Option<u8>) -> Option<GkZone> {
        if !(10_000_000.0..100_000_000.0).contains(&easting) {
            return None;
        }
        let number = (easting / 1_000_000.0).floor() as u32;
        let width = width.unwrap_or(if number >= 25 { 3 } else { 6 });
        GkZone::new(width, number, true)
    }

    pub fn epsg(&self) -> u32 {
        match (self.width, self.prefixed) {
            (6, true) => 4491 + (self.number - 13),
            (6, false) => 4502 + (self.number - 13),
            (_, true) => 4513 + (self.number - 25),
            (_, false) => 4534 + (self.number - 25),
        }
    }

    pub fn from_epsg(code: u32) -> Option<GkZone> {
        match code {
            4491..=4501 => GkZone::new(6, code - 4491 + 13, true),
            4502..=4512 => GkZone::new(6, code - 4502 + 13, false),
            4513..=4533 => GkZone::new(3, code - 4513 + 25, true),
            4534..=4554 => GkZone::new(3, code - 4534 + 25, false),
            _ => None,
        }
    }

    /// Reads a zone given as a zone number (`38`; 25–45 are 3° zones, 13–23
    /// 6° zones, with zone-prefixed eastings) or as the EPSG code of a
    /// CGCS2000 Gauss-Krüger CRS (`EPSG:4547`, also as URI or URN).
    pub fn parse(text: &str) -> Option<GkZone> {
        if let Ok(n) = text.trim().parse::<u32>() {
            return GkZone::new(if n >= 25 { 3 } else { 6 }, n, true);
        }
        match crate::geom::crs::Crs::parse(text).ok()? {
            crate::geom::crs::Crs::Epsg(code) => GkZone::from_epsg(code),
            crate::geom::crs::Crs::Crs84 => None,
        }
    }

    /// [`GkZone::parse`], saying what a zone is when `text` is none.
    pub fn read(text: &str) -> Result<GkZone, NotAZone> {
        GkZone::parse(text).ok_or_else(|| NotAZone(text.to_string()))
    }

    /// Central meridian in degrees east.
    pub fn central_meridian(&self) -> f64 {
        match self.width {
            6 => 6.0 * self.number as f64 - 3.0,
            _ => 3.0 * self.number as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunliu_zones_have_the_epsg_codes_the_register_gives() {
        // EPSG:4525 is CGCS2000 3° zone 37 (111°E), EPSG:4526 zone 38 (114°E),
        // EPSG:4547 zone 38 without prefix, EPSG:4497 6° zone 19 (111°E).
        assert_eq!(GkZone::new(3, 37, true).unwrap().epsg(), 4525);
        assert_eq!(GkZone::new(3, 38, true).unwrap().epsg(), 4526);
        assert_eq!(GkZone::new(3, 38, false).unwrap().epsg(), 4547);
        assert_eq!(GkZone::new(6, 19, true).unwrap().epsg(), 4497);
        for code in 4491..=4554 {
            assert_eq!(GkZone::from_epsg(code).unwrap().epsg(), code);
        }
        assert_eq!(GkZone::from_epsg(4526).unwrap().central_meridian(), 114.0);
        assert_eq!(GkZone::from_epsg(4497).unwrap().central_meridian(), 111.0);
    }

    #[test]
    fn the_zone_is_read_from_an_eight_digit_easting() {
        assert_eq!(
            GkZone::from_prefixed_easting(38_383_678.71, None),
            GkZone::new(3, 38, true)
        );
        assert_eq!(GkZone::from_prefixed_easting(383_678.71, None), None);
    }
}
