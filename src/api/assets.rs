//! The browser files a web map of planmap needs, served by planmap itself
//! under `/assets/…`, so a page works on a bureau network with no internet:
//! MapLibre GL JS and OpenLayers, byte for byte as their npm packages ship
//! them (pinned in `web/package.json`, copied to `web/vendor/` by
//! `web/vendor.sh`, and compared with the packages by a test), and the
//! workspace's own script and style (`web/workspace/`).
//!
//! Each file is compiled into the binary and gzipped once, on first use;
//! its ETag is its content's digest, so a browser revalidates with one 304.

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// One served file: its path under `/assets/`, its content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The files, as `/assets/{path}` names them.
const ASSETS: &[Asset] = &[
    Asset {
        path: "maplibre-gl/maplibre-gl.mjs",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.mjs"),
    },
    Asset {
        // MapLibre loads its worker from beside the module it was imported from.
        path: "maplibre-gl/maplibre-gl-worker.mjs",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl-worker.mjs"),
    },
    Asset {
        path: "maplibre-gl/maplibre-gl.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.css"),
    },
    Asset {
        path: "maplibre-gl/LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/maplibre-gl/LICENSE.txt"),
    },
    Asset {
        path: "ol/ol.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/ol/ol.js"),
    },
    Asset {
        path: "ol/ol.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/ol/ol.css"),
    },
    Asset {
        path: "workspace/workspace.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/workspace/workspace.js"),
    },
    Asset {
        path: "workspace/words.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/workspace/words.js"),
    },
    Asset {
        path: "workspace/workspace.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../web/workspace/workspace.css"),
    },
    Asset {
        path: "ol/LICENSE.md",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../web/vendor/ol/LICENSE.md"),
    },
];

/// A file ready to send: its tag and its gzipped bytes.
struct Prepared {
    etag: String,
    gzipped: Vec<u8>,
}

/// Gzipping a megabyte of script takes tens of milliseconds: done once per
/// file for the life of the process, not once per request.
static PREPARED: LazyLock<Vec<Prepared>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| Prepared {
            etag: format!("\"{}\"", crate::digest::short_sha256(a.bytes)),
            gzipped: gzip(a.bytes),
        })
        .collect()
});

/// Gzips every file now, so the first page that loads them does not wait
/// for it (about a second for OpenLayers' megabyte in a debug build).
pub fn prepare() {
    LazyLock::force(&PREPARED);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The libraries, as the first segment of their paths names them.
pub fn libraries() -> Vec<&'static str> {
    let mut names: Vec<&str> = Vec::new();
    for name in ASSETS.iter().filter_map(|a| a.path.split('/').next()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `GET /assets/{library}/{file}`: one of the files above, or 404.
pub async fn asset(
    Path((library, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let path = format!("{library}/{file}");
    let index = ASSETS
        .iter()
        .position(|a| a.path == path)
        .ok_or_else(|| ApiError::NotFound(format!("/assets/{path}")))?;
    let (asset, prepared) = (&ASSETS[index], &PREPARED[index]);
    let tag = HeaderValue::from_str(&prepared.etag)
        .map_err(|e| ApiError::Internal(format!("an asset's tag: {e}")))?;
    // Revalidated at least hourly, so an upgraded planmap's files reach a
    // browser within the hour even though the URLs do not carry a version.
    let cache = HeaderValue::from_static("public, max-age=3600");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == prepared.etag || t.trim() == "*")
        });
    if matches {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, tag);
        r.headers_mut().insert(header::CACHE_CONTROL, cache);
        return Ok(r);
    }
    let gzip_ok = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        });
    let mut response = if gzip_ok {
        let mut r = Body::from(prepared.gzipped.as_slice()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        Body::from(asset.bytes).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::ETAG, tag);
    h.insert(header::CACHE_CONTROL, cache);
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_library_is_named_once() {
        let names = libraries();
        assert_eq!(names, ["maplibre-gl", "ol", "workspace"]);
    }

    #[test]
    fn every_asset_gzips_to_its_own_bytes() {
        use std::io::Read;
        for (asset, prepared) in ASSETS.iter().zip(PREPARED.iter()) {
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(prepared.gzipped.as_slice())
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, asset.bytes, "{}", asset.path);
        }
    }
}
