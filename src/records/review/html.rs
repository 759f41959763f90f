//! The printable review report: one self-contained HTML page with a map
//! drawn server-side as SVG (candidate, overlaps, the layers around it, a
//! scale bar and a north arrow), the conflicts table, the rules cited, the
//! verdict and the record's hash.

use std::fmt::Write;
use std::sync::Arc;

use geo::{Coord, LineString};
use serde_json::Value;

use super::RecordBody;
use crate::geom::geodesy::AreaFigures;
use crate::geom::shape::Shape;
use crate::layer::OnOverlap;
use crate::layer::catalog::Layer;
use crate::records::store::ReviewRow;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 520.0;
/// Features drawn per layer at most, so a dense layer cannot bloat the page.
const MAX_FEATURES_PER_LAYER: usize = 400;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The map's view: CRS84 to SVG pixels, equirectangular at the view's mid latitude.
struct View {
    west: f64,
    north: f64,
    /// Pixels per degree of longitude and latitude.
    kx: f64,
    ky: f64,
    metres_per_pixel: f64,
}

impl View {
    fn around(bbox: [f64; 4]) -> View {
        let [w, s, e, n] = bbox;
        let lat = ((s + n) / 2.0).to_radians();
        let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
        // Half the map beyond the candidate on every side, at least ~300 m.
        let half_w = ((e - w) * 1.0).max(0.004 / lat.cos());
        let half_h = ((n - s) * 1.0).max(0.003);
        let ky = (HEIGHT / (2.0 * half_h)).min(WIDTH / (2.0 * half_w * lat.cos()));
        let kx = ky * lat.cos();
        View {
            west: cx - WIDTH / 2.0 / kx,
            north: cy + HEIGHT / 2.0 / ky,
            kx,
            ky,
            metres_per_pixel: 111_320.0 / ky,
        }
    }

    /// South-west and north-east corners of the map.
    fn envelope(&self) -> (Coord, Coord) {
        (
            Coord {
                x: self.west,
                y: self.north - HEIGHT / self.ky,
            },
            Coord {
                x: self.west + WIDTH / self.kx,
                y: self.north,
            },
        )
    }

    fn point(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.west) * self.kx, (self.north - y) * self.ky)
    }

    fn ring(&self, ring: &LineString) -> String {
        self.coords(ring.0.iter().map(|c| (c.x, c.y)), true)
    }

    fn coords(&self, coords: impl Iterator<Item = (f64, f64)>, close: bool) -> String {
        let mut d = String::new();
        for (i, (x, y)) in coords.enumerate() {
            let (px, py) = self.point(x, y);
            let _ = write!(d, "{}{px:.1},{py:.1}", if i == 0 { "M" } else { "L" });
        }
        if close {
            d.push('Z');
        }
        d
    }

    /// SVG path data of a GeoJSON Polygon or MultiPolygon value.
    fn geojson(&self, geometry: &Value) -> String {
        let polygons: Vec<&Value> = match geometry["type"].as_str() {
            Some("Polygon") => vec![&geometry["coordinates"]],
            Some("MultiPolygon") => geometry["coordinates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut d = String::new();
        for rings in polygons {
            for ring in rings.as_array().into_iter().flatten() {
                let coords = ring
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)));
                d += &self.coords(coords, true);
            }
        }
        d
    }
}

fn shape_path(view: &View, shape: &Shape) -> (String, bool) {
    match shape {
        Shape::Area(area) => {
            let mut d = String::new();
            for p in &area.0 {
                d += &view.ring(p.exterior());
                for hole in p.interiors() {
                    d += &view.ring(hole);
                }
            }
            (d, true)
        }
        Shape::Lines(lines) => (
            lines
                .0
                .iter()
                .map(|l| view.coords(l.0.iter().map(|c: &Coord| (c.x, c.y)), false))
                .collect(),
            false,
        ),
        Shape::Points(points) => (
            points
                .0
                .iter()
                .map(|p| {
                    let (x, y) = view.point(p.x(), p.y());
                    format!("M{:.1},{:.1}h0.1", x, y)
                })
                .collect(),
            false,
        ),
    }
}

/// What a conflict's row says besides its figures: a protection buffer's
/// distance and reach, a licence's validity on the review's date.
fn note(p: &Value) -> String {
    let mut notes = Vec::new();
    if let Some(b) = p.get("buffer").filter(|b| b.is_object()) {
        notes.push(format!(
            "保护距离 {:.0} m 内（相距 {:.2} m，区内 {:.2} m²） within the {:.0} m buffer, {:.2} m away, {:.2} m² inside",
            number(&b["buffer_m"]),
            number(&b["distance_m"]),
            number(&b["area_m2"]),
            number(&b["buffer_m"]),
            number(&b["distance_m"]),
            number(&b["area_m2"]),
        ));
    }
    if let Some(v) = p.get("validity").filter(|v| v.is_object()) {
        let (from, to, on) = (
            v["valid_from"].as_str().unwrap_or("—"),
            v["valid_to"].as_str().unwrap_or("—"),
            v["on"].as_str().unwrap_or(""),
        );
        notes.push(match v["status"].as_str() {
            Some("expired") => format!("有效期 {from} 至 {to}，{on} 已过期（仍登记） expired {to}, still registered on {on}"),
            Some("not_yet_valid") => format!("有效期 {from} 至 {to}，{on} 尚未生效 not yet valid on {on}"),
            Some("unreadable") => format!("有效期无法识别 validity unreadable: {from} – {to}"),
            _ => format!("有效期 {from} 至 {to} valid on {on}"),
        });
    }
    notes.join("；")
}

fn colour(on_overlap: OnOverlap) -> &'static str {
    match on_overlap {
        OnOverlap::Reject => "#c0392b",
        OnOverlap::Warn => "#e67e22",
        OnOverlap::Info => "#7f8c8d",
    }
}

/// A round length (1, 2 or 5 × 10ⁿ m) about a fifth of the map wide.
fn scale_length(metres_per_pixel: f64) -> f64 {
    let target = metres_per_pixel * WIDTH / 5.0;
    let magnitude = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .rfind(|l| *l <= target)
        .unwrap_or(magnitude)
}

/// The map as an SVG element.
pub fn map_svg(bbox: [f64; 4], candidate: &Value, answer: &Value, layers: &[Arc<Layer>]) -> String {
    let view = View::around(bbox);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="map of the candidate and the planning layers around it">
<defs><clipPath id="frame"><rect width="{WIDTH}" height="{HEIGHT}"/></clipPath>
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#c0392b" stroke-width="2"/></pattern></defs>
<rect width="{WIDTH}" height="{HEIGHT}" fill="#fbfaf5" stroke="#333"/>
<g clip-path="url(#frame)">
"##
    );
    let envelope = view.envelope();
    for layer in layers.iter().rev() {
        let stroke = colour(layer.entry.on_overlap);
        let _ = writeln!(
            svg,
            r#"<g class="layer" data-layer="{}"><title>{}</title>"#,
            escape(&layer.entry.id),
            escape(&layer.entry.title)
        );
        for hit in layer
            .data
            .hits(envelope.0, envelope.1)
            .take(MAX_FEATURES_PER_LAYER)
        {
            let feature = layer.data.features.get(hit);
            let (d, filled) = shape_path(&view, &feature.shape);
            let fill = if filled { stroke } else { "none" };
            let _ = writeln!(
                svg,
                r#"<path d="{d}" fill="{fill}" fill-opacity="0.12" fill-rule="evenodd" stroke="{stroke}" stroke-width="1"><title>{} {}</title></path>"#,
                escape(&layer.entry.title),
                escape(feature.name.as_deref().unwrap_or(&feature.id.to_string()))
            );
        }
        svg += "</g>\n";
    }
    for conflict in answer["conflicts"]["features"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let d = view.geojson(&conflict["geometry"]);
        if !d.is_empty() {
            let _ = writeln!(
                svg,
                r##"<path class="overlap" d="{d}" fill="url(#hatch)" fill-rule="evenodd" stroke="#c0392b" stroke-width="1.5"/>"##
            );
        }
    }
    let _ = writeln!(
        svg,
        r##"<path class="candidate" d="{}" fill="none" fill-rule="evenodd" stroke="#1f4e9c" stroke-width="2.5"/>"##,
        view.geojson(candidate)
    );
    svg += "</g>\n";
    // Scale bar, bottom left.
    let length = scale_length(view.metres_per_pixel);
    let px = length / view.metres_per_pixel;
    let label = if length >= 1000.0 {
        format!("{} km", length / 1000.0)
    } else {
        format!("{length} m")
    };
    let _ = writeln!(
        svg,
        r##"<g class="scale-bar" transform="translate(20,{})"><rect width="{px:.1}" height="6" fill="#333"/><rect width="{:.1}" height="6" fill="#fff" stroke="#333"/><text x="0" y="-4" font-size="12">0</text><text x="{px:.1}" y="-4" font-size="12" text-anchor="middle">{label}</text></g>"##,
        HEIGHT - 24.0,
        px / 2.0
    );
    // North arrow, top right: the map is drawn north up.
    let _ = writeln!(
        svg,
        r##"<g class="north-arrow" transform="translate({},24)"><path d="M0,0 L10,30 L0,24 L-10,30 Z" fill="#333"/><text x="0" y="46" font-size="14" text-anchor="middle">N</text></g>"##,
        WIDTH - 30.0
    );
    svg += "</svg>";
    svg
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

/// The whole report page.
pub fn report(row: &ReviewRow, body: &RecordBody, answer: &Value, layers: &[Arc<Layer>]) -> String {
    let candidate = &body.candidate;
    let bbox = candidate["bbox"]
        .as_array()
        .map(|b| {
            let v: Vec<f64> = b.iter().map(number).collect();
            [v[0], v[1], v[2], v[3]]
        })
        .unwrap_or([0.0; 4]);
    let name = candidate["name"].as_str().unwrap_or("");
    let area = AreaFigures::from_m2(number(&answer["candidate"]["area_m2"]));
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>审查记录 {id} · {name}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.verdict {{ font-size: 1.4em; font-weight: bold; }}
.reject {{ color: #c0392b; }} .warn {{ color: #e67e22; }} .pass {{ color: #1e8449; }}
code {{ word-break: break-all; }}
@media print {{ body {{ margin: 1cm; }} }}
</style></head><body>
<h1>矿业权候选区块审查记录 · Review record {id}</h1>
<p>候选区块 Candidate <strong>{name}</strong> (#{cid}, version {ver}; kind {kind}; applicant {applicant})<br>
审查人 Reviewer <strong>{reviewer}</strong> · 审查时间 Reviewed at {at}</p>
<p class="verdict {verdict}">结论 Verdict: {verdict}</p>
<p>面积 Candidate area: {m2:.2} m² = {mu:.2} 亩 = {km2:.4} km²</p>
<h2>图 Map</h2>
"#,
        id = row.id,
        name = escape(name),
        cid = body.candidate_id,
        ver = body.candidate_version,
        kind = escape(candidate["kind"].as_str().unwrap_or("")),
        applicant = escape(candidate["applicant"].as_str().unwrap_or("—")),
        reviewer = escape(&body.reviewer),
        at = escape(&body.reviewed_at),
        verdict = escape(body.verdict.as_str()),
        m2 = area.area_m2,
        mu = area.area_mu,
        km2 = area.area_km2,
    );
    html += &map_svg(bbox, &candidate["geometry"], answer, layers);
    html += "\n<p>蓝线：候选区块；红色斜线：重叠部分；底色：周边规划图层（示意几何见各图层说明）。Blue: candidate; hatched: overlaps; tinted: planning layers.</p>\n";
    html += "<h2>冲突 Conflicts</h2>\n";
    let conflicts: Vec<&Value> = answer["conflicts"]["features"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if conflicts.is_empty() {
        html += "<p>无重叠 No overlaps.</p>\n";
    } else {
        html += "<table><tr><th>图层 Layer</th><th>要素 Feature</th><th>名称 Name</th><th>重叠 m²</th><th>亩</th><th>km²</th><th>占候选区</th><th>处理</th><th>说明 Note</th></tr>\n";
        for c in &conflicts {
            let p = &c["properties"];
            let a = AreaFigures::from_m2(number(&p["overlap_area_m2"]));
            let _ = writeln!(
                html,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="n">{:.2}</td><td class="n">{:.2}</td><td class="n">{:.4}</td><td class="n">{:.2}%</td><td class="{}">{}</td><td>{}</td></tr>"#,
                escape(p["layer"].as_str().unwrap_or("")),
                escape(p["feature_id"].to_string().trim_matches('"')),
                escape(p["name"].as_str().unwrap_or("")),
                a.area_m2,
                a.area_mu,
                a.area_km2,
                number(&p["share_of_candidate"]) * 100.0,
                escape(p["on_overlap"].as_str().unwrap_or("")),
                escape(p["on_overlap"].as_str().unwrap_or("")),
                escape(&note(p)),
            );
        }
        html += "</table>\n";
    }
    html += "<h2>依据 Rules cited</h2>\n<ul>\n";
    let mut rules: Vec<String> = conflicts
        .iter()
        .filter_map(|c| c["properties"]["rule"].as_str().map(str::to_string))
        .collect();
    for f in answer["findings"].as_array().into_iter().flatten() {
        if let (Some(detail), Some(clause)) = (f["detail"].as_str(), f["clause"].as_str()) {
            let status = match f["passed"].as_bool() {
                Some(true) => "passed",
                Some(false) => "FAILED",
                None => "not evaluated",
            };
            rules.push(format!("{status}: {detail} [{clause}]"));
        }
    }
    rules.dedup();
    if rules.is_empty() {
        html += "<li>—</li>\n";
    }
    for r in &rules {
        let _ = writeln!(html, "<li>{}</li>", escape(r));
    }
    html += "</ul>\n";
    html += &dossier(body, answer);
    html += "<h2>图层版本 Layer revisions</h2>\n<table><tr><th>图层 Layer</th><th>版本 Revision</th><th>生效 Effective</th><th>SHA-256</th></tr>\n";
    for l in &body.layers {
        let _ = writeln!(
            html,
            "<tr><td>{} {}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&l.id),
            escape(&l.entry.title),
            escape(&l.revision),
            escape(&l.effective),
            escape(&l.sha256)
        );
    }
    let _ = write!(
        html,
        "</table>\n<h2>记录哈希 Record hash</h2>\n<p>SHA-256 <code class=\"hash\">{}</code></p>\n<p>复核 Verify: <code>POST /reviews/{}/verify</code> re-runs this check on the revisions above and states whether the answer is identical.</p>\n</body></html>\n",
        escape(&row.hash),
        row.id
    );
    html
}

/// Blocks listed in the report at most; the record's answer holds them all.
const MAX_BLOCK_ROWS: usize = 5_000;

/// What the reviewer asked to have in the dossier: the basic unit blocks
/// (always counted, listed when asked) and the corner points.
fn dossier(body: &RecordBody, answer: &Value) -> String {
    let mut html = String::new();
    let b = &answer["basic_blocks"];
    let _ = writeln!(
        html,
        "<h2>基本单位区块 Basic unit blocks</h2>\n<p>整块 whole {} · 部分 partial {} · 合计 touched {} · 折合 {:.2} 块 in blocks</p>",
        b["whole"],
        b["partial"],
        b["touched"],
        number(&b["area_in_blocks"])
    );
    if body.options.blocks {
        let blocks = b["blocks"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        html += "<table><tr><th>编号 Code</th><th>西南角 South-west</th><th>整块 Whole</th><th>区块内 m²</th><th>区块 m²</th></tr>\n";
        for block in blocks.iter().take(MAX_BLOCK_ROWS) {
            let _ = writeln!(
                html,
                r#"<tr><td><code>{}</code></td><td>{:.6}, {:.6}</td><td>{}</td><td class="n">{:.2}</td><td class="n">{:.2}</td></tr>"#,
                escape(block["code"].as_str().unwrap_or("")),
                number(&block["south_west"][0]),
                number(&block["south_west"][1]),
                if block["whole"].as_bool() == Some(true) {
                    "整 whole"
                } else {
                    "部分 partial"
                },
                number(&block["overlap_area_m2"]),
                number(&block["block_area_m2"]),
            );
        }
        html += "</table>\n";
        if blocks.len() > MAX_BLOCK_ROWS {
            let _ = writeln!(
                html,
                "<p>另有 {} 块未列出；全部见记录的 answer.basic_blocks.blocks. {} more blocks are in the record's answer.</p>",
                blocks.len() - MAX_BLOCK_ROWS,
                blocks.len() - MAX_BLOCK_ROWS
            );
        }
    }
    if let Some(style) = &body.options.corners {
        let _ = writeln!(html, "<h2>拐点坐标 Corner points ({})</h2>", escape(style));
        let mut block = |title: &str, text: &Value| {
            if let Some(text) = text.as_str() {
                let _ = writeln!(
                    html,
                    "<h3>{}</h3>\n<pre>{}</pre>",
                    escape(title),
                    escape(text)
                );
            }
        };
        block("候选区块 Candidate", &answer["candidate"]["corner_points"]);
        for c in answer["conflicts"]["features"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let p = &c["properties"];
            let title = format!(
                "重叠 Overlap: {} {} {}",
                p["layer"].as_str().unwrap_or(""),
                p["feature_id"].to_string().trim_matches('"'),
                p["name"].as_str().unwrap_or("")
            );
            block(&title, &p["corner_points"]);
        }
        block("净矿 Clean part", &answer["net"]["corner_points"]);
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_is_a_round_length() {
        assert_eq!(scale_length(10.0), 1000.0);
        assert_eq!(scale_length(3.0), 200.0);
    }

    #[test]
    fn a_conflicts_note_states_its_buffer_and_a_licences_expiry() {
        let p = serde_json::json!({
            "buffer": {"buffer_m": 200.0, "distance_m": 55.5408, "area_m2": 129649.52},
            "validity": {"valid_from": "2023-01-05", "valid_to": "2025-01-05", "on": "2026-12-03", "status": "expired"},
        });
        let n = note(&p);
        assert!(
            n.contains("within the 200 m buffer, 55.54 m away, 129649.52 m² inside"),
            "{n}"
        );
        assert!(
            n.contains("expired 2025-01-05, still registered on 2026-12-03"),
            "{n}"
        );
        assert_eq!(note(&serde_json::json!({"buffer": null})), "");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
