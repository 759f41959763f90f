//! Layer revisions (`/collections/{id}/revisions`, `/collections/{id}/diff`)
//! and administration (`/admin/layers/{id}`, `/admin/tokens`, `/admin/audit`).

use serde_json::{Value, json};

use super::ServedLayer;
use super::build::{
    Operation, Paths, Reads, body, json_answer, object, path, query, required_query, schema,
    with_links,
};
use super::problems::CONFLICT;
use super::values::{date, flag, revision, role};
use crate::api::params::{AUDIT_PAGE, MAX_OFFSET};
use crate::records::access::Role;

/// `components/schemas` of revisions and administration.
pub fn schemas() -> Value {
    let feature_ref = object(
        &["id", "measure"],
        json!({
        "id": {"oneOf": [{"type": "string"}, {"type": "number"}]},
        "name": {"type": "string", "nullable": true},
        "measure": {"type": "number"}}),
    );
    json!({
        "layerRevision": object(
            &["seq", "layer_id", "revision", "sha256", "effective", "published_at", "published_by", "features", "entry"],
            json!({
                "seq": {"type": "integer"}, "layer_id": {"type": "string"},
                "revision": {"type": "string"}, "sha256": {"type": "string"}, "ext": {"type": "string"},
                "effective": {"type": "string"}, "published_at": {"type": "string"}, "published_by": {"type": "string"},
                "features": {"type": "integer", "minimum": 0},
                "entry": {"type": "object", "required": ["id", "title"]},
                "scheduled": {"type": "boolean", "description": "In a list of revisions: its effective date (China Standard Time) is still to come."},
            }),
        ),
        "layerRevisions": object(&["layer", "served", "revisions"], json!({
            "layer": {"type": "string"}, "served": {"type": "string"},
            "revisions": {"type": "array", "items": {"$ref": "#/components/schemas/layerRevision"}}})),
        "layerDiff": object(
            &["layer", "from", "to", "added", "removed", "changed", "unchanged", "changed_area_m2", "changed_area_mu"],
            json!({
                "layer": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
                "added": {"type": "array", "items": feature_ref},
                "removed": {"type": "array", "items": feature_ref},
                "changed": {"type": "array", "items": object(&["id", "geometry_changed", "properties_changed"], json!({}))},
                "unchanged": {"type": "integer", "minimum": 0},
                "changed_area_m2": {"type": "number"}, "changed_area_mu": {"type": "number"},
                "geometry_limit": {"type": "integer", "description": "With `geometry=true`: at most this many listed features carry `geometry` (and `before`)."},
            }),
        ),
        "published": object(&["revision", "new", "in_force", "scheduled"], json!({
            "revision": {"$ref": "#/components/schemas/layerRevision"},
            "new": {"type": "boolean"}, "in_force": {"type": "boolean"},
            "scheduled": {"type": "boolean", "description": "Its effective date is still to come: served from that date on, without a restart."}})),
        "tokenRequest": object(&["name", "role"], json!({
            "name": {"type": "string", "pattern": "\\S", "description": "Who holds the token; reviews and the audit log show this name."},
            "role": role(),
            "expires": {"type": "string", "description": "When the token stops working: an RFC 3339 timestamp, or a date (its start in China Standard Time, UTC+8). In the future. Without it the token works until it is revoked."}})),
        "tokenInfo": object(&["name", "role", "state", "created_at"], json!({
            "name": {"type": "string"}, "role": role(),
            "state": {"type": "string", "enum": ["active", "expired", "revoked"]},
            "created_at": {"type": "string"},
            "expires_at": {"type": "string", "nullable": true},
            "revoked_at": {"type": "string", "nullable": true},
            "last_used_at": {"type": "string", "nullable": true, "description": "To the minute: a use within a minute of the last recorded one is not recorded again."}})),
        "newToken": object(&["name", "role", "token"], json!({
            "name": {"type": "string"}, "role": role(),
            "expires_at": {"type": "string", "nullable": true},
            "token": {"type": "string", "pattern": "^pm_[0-9a-f]{64}$", "description": "Shown once; only its hash is stored."},
            "note": {"type": "string"}})),
        "auditLog": object(&["entries", "limit", "offset"], json!({
            "entries": {"type": "array", "items": object(&["seq", "at", "actor", "action", "subject"], json!({
                "seq": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
                "action": {"type": "string"}, "subject": {"type": "string"}}))},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}})),
    })
}

/// A catalog layer's id; the example is the first layer.
fn layer_path(name: &str, layers: &[ServedLayer]) -> Value {
    let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    let mut p = path(
        name,
        "A catalog layer's id.",
        json!({"type": "string", "enum": ids}),
    );
    if let Some(first) = layers.first() {
        p["example"] = json!(first.id);
    }
    p
}

/// A layer file: GeoJSON, or FlatGeobuf as bytes.
fn layer_file() -> Value {
    let feature_collection = json!({
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    });
    body(
        "The layer file: a GeoJSON FeatureCollection in CRS84 (every feature with a unique id), or FlatGeobuf.",
        true,
        json!({
            "application/geo+json": {"schema": feature_collection},
            "application/json": {"schema": feature_collection},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        }),
    )
}

pub fn paths(paths: &mut Paths, layers: &[ServedLayer]) {
    let mut from = required_query("from", "The older revision.", revision());
    if let Some(first) = layers.first() {
        // The revision the example layer is served at: a diff with itself.
        from["example"] = json!(first.revision);
    }
    paths
        .add(
            "/collections/{collectionId}/revisions",
            Operation::get("listLayerRevisions", "Every revision of a layer, and the one served")
                .tag("layer revisions")
                .param(layer_path("collectionId", layers))
                .answer(200, with_links(
                    json_answer("The revisions, in the order they were recorded.", schema("layerRevisions")),
                    &[("diffLayerRevisions", "diffLayerRevisions", json!({"collectionId": "$request.path.collectionId", "from": "$response.body#/revisions/0/revision"}))],
                ))
                .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/diff",
            Operation::get("diffLayerRevisions", "What changed between two revisions of a layer")
                .tag("layer revisions")
                .param(layer_path("collectionId", layers))
                .param(from)
                .param(query("to", "The newer revision; the one served when absent.", revision()))
                .param(query("geometry", "`true`: each feature listed carries its CRS84 `geometry` (a changed one also `before`), for drawing the change on a map; at most 5,000 do.", flag(false)))
                .answer(200, json_answer("Features added, removed and changed, and the changed area.", schema("layerDiff")))
                .may_be_missing(),
        )
        .add(
            "/admin/layers/{layerId}",
            Operation::post("publishLayer", "Publish a layer file as a new revision", Reads::Body)
                .tag("administration")
                .describe("Publishing the file already in force changes nothing (200); any other file is recorded as a new revision (201), served from its effective date (China Standard Time, UTC+8); a future date schedules it, and the server switches to it by itself on that date.")
                .needs(Role::Admin)
                .param(layer_path("layerId", layers))
                .param(query("effective", "The date the revision is in force from (China Standard Time, UTC+8); today when absent; a future date schedules it.", date()))
                .body(layer_file())
                .answer(200, json_answer("The file was already the revision in force.", schema("published")))
                .answer(201, json_answer("Recorded as a new revision.", schema("published")))
                .may_be_missing(),
        )
        .add(
            "/admin/tokens",
            Operation::post("createToken", "Make an API token", Reads::Body)
                .tag("administration")
                .needs(Role::Admin)
                .body(body("Who the token is for, and its role.", true, json!({"application/json": {"schema": schema("tokenRequest")}})))
                .answer(201, json_answer("The token, shown once.", schema("newToken")))
                .error(&CONFLICT),
        )
        .add(
            "/admin/tokens",
            Operation::get("listTokens", "Every token: name, role, state, created, expires, revoked, last used")
                .tag("administration")
                .needs(Role::Admin)
                .describe("Never the token itself or its hash. Revoked and expired tokens stay listed; their names stay taken.")
                .answer(200, json_answer("The tokens, oldest first.", object(&["tokens"], json!({"tokens": {"type": "array", "items": schema("tokenInfo")}})))),
        )
        .add(
            "/admin/tokens/{name}",
            Operation::delete("revokeToken", "Revoke a token")
                .tag("administration")
                .needs(Role::Admin)
                .describe("From this request on, every planmap on the same store answers the token with 401. Revoking a revoked token changes nothing and answers as before. Written to the audit log (`token.revoke`).")
                .param(path("name", "The token's name.", json!({"type": "string"})))
                .answer(200, json_answer("The token, revoked.", schema("tokenInfo")))
                .may_be_missing(),
        )
        .add(
            "/admin/audit",
            Operation::get("readAuditLog", "The audit log: who submitted, edited, reviewed, published, made tokens")
                .tag("administration")
                .needs(Role::Admin)
                .param(query("limit", "The most entries to return; larger values are clamped to the maximum.", json!({"type": "integer", "minimum": 1, "maximum": AUDIT_PAGE.max, "default": AUDIT_PAGE.default})))
                .param(query("offset", "How many entries to skip.", json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0})))
                .answer(200, json_answer("The entries, oldest first.", schema("auditLog"))),
        );
}
