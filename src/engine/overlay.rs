//! Overlay statistics: how much of one layer lies inside another (farmland
//! inside subsidence areas, rights inside the key remediation zone),
//! grouped by properties of either.
//!
//! Each area feature of the containing layer is taken as a candidate and
//! checked against the measured layer as `/check` checks a block, so the
//! areas and lengths inside are the check's: exact on the ellipsoid,
//! slivers included. A pair is counted once for each containing feature it
//! lies in: where containing features overlap each other, what lies in
//! both counts under both.

use std::sync::Arc;

use serde_json::Value;

use super::check::inside;
use crate::deadline::Deadline;
use crate::geom::crs::Crs;
use crate::geom::shape::Shape;
use crate::intake::candidate::Candidate;
use crate::layer::catalog::Layer;
use crate::query::select::{ItemQuery, for_each_match};
use crate::query::stats::{Measured, Stats, StatsError, Tally, check_group_count, check_property};

/// A property to group by: of the measured layer, or of the containing one
/// (written `{containing layer id}.{property}`).
enum Of {
    Measured(String),
    Containing(String),
}

/// The figures of `measured`'s features that `selection` selects, inside
/// the area features of `containing`, grouped by `group_by`.
pub fn inside_layer(
    measured: &Arc<Layer>,
    containing: &Arc<Layer>,
    selection: &ItemQuery,
    group_by: &[String],
    only: Option<usize>,
) -> Result<Stats, StatsError> {
    check_group_count(group_by)?;
    let prefix = format!("{}.", containing.entry.id);
    let mut names = Vec::with_capacity(group_by.len());
    for name in group_by {
        match name.strip_prefix(&prefix) {
            Some(of_containing) => {
                check_property(&containing.data, of_containing, name)?;
                names.push(Of::Containing(of_containing.to_string()));
            }
            None => {
                check_property(&measured.data, name, name)?;
                names.push(Of::Measured(name.clone()));
            }
        }
    }
    let (table, around) = (&measured.data.features, &containing.data.features);
    // Which measured features the selection keeps; all of them without one.
    let selected: Option<Vec<bool>> =
        if selection.bbox.is_none() && selection.datetime.is_none() && selection.filter.is_none() {
            None
        } else {
            let mut keep = vec![false; table.len()];
            for_each_match(&measured.data, selection, |i, _| keep[i] = true)?;
            Some(keep)
        };
    let deadline = Deadline::current();
    let mut tally = Tally::new(group_by.to_vec());
    let mut areas = 0;
    // One feature of the containing layer (`inside=LAYER/FEATURE`), or all.
    let containers: Box<dyn Iterator<Item = usize>> = match only {
        Some(j) => Box::new(std::iter::once(j)),
        None => Box::new(0..around.len()),
    };
    for j in containers {
        deadline.check()?;
        let Shape::Area(area) = around.shape(j) else {
            continue;
        };
        areas += 1;
        let of_containing = around.properties(j);
        let vertices = area.0.iter().map(|p| p.exterior().0.len()).sum();
        let candidate = Candidate {
            area,
            vertices,
            crs: Crs::Crs84,
            warnings: Vec::new(),
        };
        for found in inside(&candidate, measured) {
            let i = found.feature;
            if selected.as_ref().is_some_and(|keep| !keep[i]) {
                continue;
            }
            let of_measured = if names.iter().any(|n| matches!(n, Of::Measured(_))) {
                table.properties(i)
            } else {
                Default::default()
            };
            let values = names
                .iter()
                .map(|n| match n {
                    Of::Measured(p) => of_measured.get(p),
                    Of::Containing(p) => of_containing.get(p),
                })
                .map(|v| v.cloned().unwrap_or(Value::Null))
                .collect();
            let measure = match found.length_m {
                Some(length) => Measured::Length(length),
                None if table.is_points(i) => Measured::Point,
                None => Measured::Area(found.area_m2),
            };
            tally.add(values, measure);
        }
    }
    // Past the deadline `inside` skips features: nothing of it is answered.
    deadline.check()?;
    if areas == 0 {
        return Err(StatsError::NoAreas(containing.entry.id.clone()));
    }
    Ok(tally.finish())
}
