//! `GET /map`: the web workspace — the plan on a map, a block checked by
//! dropping its coordinate file, submitted, reviewed and printed. The page
//! is static (its script is an asset, `web/workspace/`); what differs
//! between installations, the bureau's own basemap, is written into it as
//! JSON, so the page fetches nothing from outside unless told to.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::params::Params;
use super::{ApiError, AppState};

const PAGE: &str = include_str!("../../web/workspace/index.html");

/// A basemap layer the bureau owns, drawn under the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Basemap {
    /// A tile URL template with `{z}`, `{x}` and `{y}` (XYZ, or WMTS KVP
    /// with `TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`).
    pub url: String,
    pub kind: BasemapKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BasemapKind {
    /// PNG/JPEG tiles.
    Raster,
    /// Mapbox vector tiles, drawn in greys.
    Mvt,
}

/// What the workspace page is told: set from the command line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkspaceConfig {
    pub basemaps: Vec<Basemap>,
    /// Shown in the map's corner, as the tiles' licence asks.
    pub attribution: Option<String>,
}

impl Basemap {
    /// Reads `--basemap`: `URL` or `mvt:URL` (`raster:URL` is the default).
    pub fn parse(text: &str) -> Result<Basemap, String> {
        let (kind, url) = match text.split_once(':') {
            Some(("mvt", rest)) => (BasemapKind::Mvt, rest),
            Some(("raster", rest)) => (BasemapKind::Raster, rest),
            _ => (BasemapKind::Raster, text),
        };
        if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/')) {
            return Err(format!("'{text}': an http(s) URL or a path on this server"));
        }
        for needed in ["{z}", "{x}", "{y}"] {
            if !url.contains(needed) {
                return Err(format!("'{text}': the template has no {needed}"));
            }
        }
        Ok(Basemap {
            url: url.to_string(),
            kind,
        })
    }
}

/// `GET /map` (`lang=zh|en`): the workspace page.
pub async fn page(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref(), &["lang"])?;
    let lang = match p.text("lang").as_deref() {
        None | Some("zh") => "zh",
        Some("en") => "en",
        Some(other) => {
            return Err(ApiError::InvalidParameter {
                name: "lang",
                detail: format!("'{other}': zh or en"),
            });
        }
    };
    let config = serde_json::json!({
        "lang": lang,
        "basemaps": state.workspace.basemaps,
        "attribution": state.workspace.attribution,
        "open_reads": state.open_reads,
        "store": state.store.is_some(),
    });
    // Inside <script type="application/json">: no "</script>" may appear.
    let config = config.to_string().replace('<', "\\u003c");
    let html = PAGE
        .replace("{{CONFIG}}", &config)
        .replace("{{LANG}}", if lang == "zh" { "zh-CN" } else { "en" });
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The page runs only its own scripts; tiles of a configured basemap may
    // come from elsewhere, nothing else does.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data: blob:; connect-src *; worker-src 'self' blob:; frame-ancestors 'self'",
        ),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basemap_template_needs_its_three_placeholders() {
        assert!(Basemap::parse("https://tiles.example/{z}/{x}/{y}.png").is_ok());
        assert_eq!(
            Basemap::parse("mvt:https://t.example/{z}/{x}/{y}.pbf")
                .unwrap()
                .kind,
            BasemapKind::Mvt
        );
        assert!(Basemap::parse("https://tiles.example/{z}/{x}.png").is_err());
        assert!(Basemap::parse("file:///etc/passwd/{z}/{x}/{y}").is_err());
    }
}
