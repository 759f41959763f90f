//! Candidates and reviews: `/candidates…` and `/reviews…`.

use serde_json::{Value, json};

use super::build::{
    Operation, Paths, Reads, body, json_answer, object, one_of, path, query, schema, with_links,
};
use super::values::{candidate_crs, corner_style, flag, id, kind, zone};
use crate::api::params::{CANDIDATE_PAGE, MAX_OFFSET};
use crate::records::access::Role;

fn links() -> Value {
    json!({"type": "array", "items": {"type": "object", "required": ["rel", "href"]}})
}

/// `components/schemas` of candidates and reviews.
pub fn schemas() -> Value {
    json!({
        "candidateInput": {
            "description": "A submission: `geometry` (GeoJSON, with `crs`), `text` (a coordinate file, with `format` and `zone`) or `file` (the same file's bytes in base64, for GBK/GB18030 or UTF-16 files, .xlsx workbooks and zipped Shapefiles), one of them.",
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "kind"],
            "properties": {
                "name": {"type": "string", "pattern": "\\S"},
                "kind": kind(),
                "mineral": {"type": "string"},
                "applicant": {"type": "string"},
                "notes": {"type": "string"},
                "geometry": {"$ref": "#/components/schemas/candidate"},
                "crs": candidate_crs(),
                "format": {"type": "string", "enum": ["geojson", "txt", "corners", "csv", "xlsx", "shapefile"]},
                "text": {"type": "string"},
                "file": {"type": "string", "format": "byte", "description": "A coordinate file's bytes: UTF-8, GB18030/GBK or UTF-16 with BOM; or an .xlsx corner table or a zipped Shapefile (kept as this base64)"},
                "zone": zone(),
            },
            "oneOf": [{"required": ["geometry"]}, {"required": ["text"]}, {"required": ["file"]}],
            "example": {
                "name": "某煤矿勘查区块", "kind": "exploration_block", "mineral": "煤", "applicant": "某公司",
                "geometry": {"type": "Polygon", "coordinates": [[[112.76, 36.33], [112.77, 36.33], [112.77, 36.34], [112.76, 36.34], [112.76, 36.33]]]},
            },
        },
        "candidateVersion": object(
            &["candidate_id", "version", "created_at", "created_by", "name", "kind", "source", "geometry", "bbox", "area_m2"],
            json!({
                "candidate_id": {"type": "integer"}, "version": {"type": "integer", "minimum": 1},
                "created_at": {"type": "string"}, "created_by": {"type": "string"},
                "name": {"type": "string"}, "kind": {"type": "string"},
                "mineral": {"type": "string"}, "applicant": {"type": "string"}, "notes": {"type": "string"},
                "source": object(&["format", "text"], json!({"format": {"type": "string"}, "text": {"type": "string"}})),
                "geometry": {"type": "object"},
                "bbox": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
                "area_m2": {"type": "number"},
            }),
        ),
        "candidateRecord": object(
            &["id", "status", "created_at", "created_by", "current", "links"],
            json!({
                "id": {"type": "integer"},
                "status": {"type": "string", "description": "`submitted` until the current version is reviewed, then the review's verdict."},
                "created_at": {"type": "string"}, "created_by": {"type": "string"},
                "current": {"$ref": "#/components/schemas/candidateVersion"},
                "links": links(),
            }),
        ),
        "candidatePage": object(
            &["candidates", "total", "limit", "offset", "links"],
            json!({
                "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/candidateRecord"}},
                "total": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "links": links(),
            }),
        ),
        "candidateVersions": object(&["candidate", "versions"], json!({
            "candidate": {"type": "integer"},
            "versions": {"type": "array", "items": {"$ref": "#/components/schemas/candidateVersion"}}})),
        "review": object(
            &["id", "candidate", "candidate_version", "verdict", "hash", "hash_valid", "links", "record", "answer"],
            json!({
                "id": {"type": "integer"}, "candidate": {"type": "integer"}, "candidate_version": {"type": "integer"},
                "verdict": {"type": "string"}, "hash": {"type": "string"}, "hash_valid": {"type": "boolean"},
                "links": links(),
                "record": {"type": "object", "description": "The review record, verbatim as hashed."},
                "answer": {"type": "object", "description": "The check's answer, verbatim as recorded."},
            }),
        ),
        "candidateReviews": object(&["candidate", "reviews"], json!({
            "candidate": {"type": "integer"},
            "reviews": {"type": "array", "items": object(&["id", "candidate_version", "verdict", "hash", "links"], json!({}))}})),
        "verification": object(
            &["review", "hash", "hash_valid", "identical", "differences", "layers", "verified_at"],
            json!({
                "review": {"type": "integer"}, "hash": {"type": "string"},
                "hash_valid": {"type": "boolean"}, "identical": {"type": "boolean"},
                "differences": {"type": "array", "items": {"type": "string"}},
                "layers": {"type": "array"}, "verified_at": {"type": "string"},
            }),
        ),
    })
}

fn candidate_id() -> Value {
    path("candidateId", "A candidate's id.", id())
}

fn review_id() -> Value {
    path("reviewId", "A review's id.", id())
}

fn created(description: &str, what: &str) -> Value {
    let mut r = json_answer(description, schema(what));
    r["headers"] = json!({"Location": {"description": "The new resource.", "required": true, "schema": {"type": "string"}}});
    r
}

/// Where a candidate's id leads: what a client does next with it.
fn candidate_links() -> Vec<(&'static str, &'static str, Value)> {
    let id = || json!({"candidateId": "$response.body#/id"});
    vec![
        ("getCandidate", "getCandidate", id()),
        ("editCandidate", "editCandidate", id()),
        ("listCandidateVersions", "listCandidateVersions", id()),
        (
            "getCandidateVersion",
            "getCandidateVersion",
            json!({"candidateId": "$response.body#/id", "version": "$response.body#/current/version"}),
        ),
        ("listCandidateReviews", "listCandidateReviews", id()),
        ("reviewCandidate", "reviewCandidate", id()),
    ]
}

/// Where a review's id leads.
fn review_links() -> Vec<(&'static str, &'static str, Value)> {
    let id = || json!({"reviewId": "$response.body#/id"});
    vec![
        ("getReview", "getReview", id()),
        ("getReviewReport", "getReviewReport", id()),
        ("verifyReview", "verifyReview", id()),
    ]
}

fn submission_body() -> Value {
    body(
        "The submission.",
        true,
        json!({"application/json": {"schema": schema("candidateInput")}}),
    )
}

fn record(id: &str, summary: &str) -> Operation {
    Operation::get(id, summary).tag("candidates and reviews")
}

pub fn paths(paths: &mut Paths) {
    paths
        .add(
            "/candidates",
            record("listCandidates", "A page of candidates")
                .param(query("limit", "The most candidates to return; larger values are clamped to the maximum.", json!({"type": "integer", "minimum": 1, "maximum": CANDIDATE_PAGE.max, "default": CANDIDATE_PAGE.default})))
                .param(query("offset", "How many to skip.", json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0})))
                .param(query("kind", "Only candidates of this kind.", kind()))
                .param(query("status", "Only candidates of this status: `submitted`, or the verdict of the current version's latest review.", one_of(&["submitted", "pass", "warn", "reject"])))
                .param(query("bbox", "Only candidates whose bbox meets this one: west, south, east, north in CRS84 (or 6 numbers, with heights, which are dropped), west at most east and south at most north.", json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})))
                .answer(200, json_answer("The page, with `total` and a `next` link.", schema("candidatePage"))),
        )
        .add(
            "/candidates",
            Operation::post("submitCandidate", "Submit a candidate", Reads::Body)
                .tag("candidates and reviews")
                .needs(Role::Planner)
                .body(submission_body())
                .answer(201, with_links(created("The candidate, version 1.", "candidateRecord"), &candidate_links())),
        )
        .add(
            "/candidates/{candidateId}",
            record("getCandidate", "A candidate with its current version")
                .param(candidate_id())
                .answer(200, json_answer("The candidate.", schema("candidateRecord")))
                .may_be_missing(),
        )
        .add(
            "/candidates/{candidateId}",
            Operation::put("editCandidate", "A new version of a candidate (earlier versions are kept)")
                .tag("candidates and reviews")
                .needs(Role::Planner)
                .param(candidate_id())
                .body(submission_body())
                .answer(200, json_answer("The candidate with its new current version.", schema("candidateRecord")))
                .may_be_missing(),
        )
        .add(
            "/candidates/{candidateId}/versions",
            record("listCandidateVersions", "Every version of a candidate")
                .param(candidate_id())
                .answer(200, json_answer("The versions, oldest first.", schema("candidateVersions")))
                .may_be_missing(),
        )
        .add(
            "/candidates/{candidateId}/versions/{version}",
            record("getCandidateVersion", "One version of a candidate")
                .param(candidate_id())
                .param(path("version", "A version number.", id()))
                .answer(200, json_answer("The version.", schema("candidateVersion")))
                .may_be_missing(),
        )
        .add(
            "/candidates/{candidateId}/reviews",
            record("listCandidateReviews", "A candidate's reviews")
                .param(candidate_id())
                .answer(200, json_answer("The reviews.", schema("candidateReviews")))
                .may_be_missing(),
        )
        .add(
            "/candidates/{candidateId}/reviews",
            Operation::post("reviewCandidate", "Record a review of the candidate's current version against the layers in force", Reads::Url)
                .tag("candidates and reviews")
                .needs(Role::Reviewer)
                .param(candidate_id())
                .param(query("corners", "Keep corner points in the dossier (candidate, each overlap, the clean part), in the TXT exchange format: a zone for X/Y in metres, or `dms`; recorded in `record.options.corners` and printed in the report.", corner_style()))
                .param(query("blocks", "`true`: list every basic unit block in the dossier (`record.options.blocks`), printed in the report.", flag(false)))
                .param(query("nearest", "As `/check` reads it (`true`, or layer ids): the nearest feature of each layer the candidate does not overlap, with its geodesic distance; recorded in `record.options.nearest` and asked again when the review is verified.", json!({"type": "string", "default": "false", "example": "mining_rights"})))
                .param(query("buffer", "As `/check` reads it (`LAYER:METRES`, comma-separated, at most 5,000 m, never narrower than the catalog's `buffer_m`): protection buffers for this review, recorded in `record.options.buffer`.", json!({"type": "string", "example": "ground_fissures:100"})))
                .param(query("depth", "As `/check` reads it (`TOP,BOTTOM`, metres above sea level): the candidate's elevation range on depth-aware layers, recorded in `record.options.depth`.", json!({"type": "string", "example": "800,200"})))
                .answer(201, with_links(created("The review record.", "review"), &review_links()))
                .may_be_missing(),
        )
        .add(
            "/reviews/{reviewId}",
            record("getReview", "A review record")
                .param(review_id())
                .answer(200, json_answer("The record and the answer, embedded verbatim as hashed.", schema("review")))
                .may_be_missing(),
        )
        .add(
            "/reviews/{reviewId}.html",
            record("getReviewReport", "A review's printable report")
                .param(review_id())
                .answer(200, json!({"description": "The report: map, conflicts, rules, verdict, hash.", "content": {"text/html": {"schema": {"type": "string"}}}}))
                .may_be_missing(),
        )
        .add(
            "/reviews/{reviewId}/verify",
            Operation::post("verifyReview", "Re-run a review on the layer revisions it recorded", Reads::Url)
                .tag("candidates and reviews")
                .param(review_id())
                .answer(200, json_answer("Whether the hash holds and the answer is reproduced byte for byte.", schema("verification")))
                .may_be_missing(),
        );
}
