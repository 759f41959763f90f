//! The command line: `planmap serve`, `check`, `stats`, `token` and `layers publish`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::api::{ApiLimits, AppState};
use crate::engine::rules::CandidateKind;
use crate::engine::screening::{
    NearestLayers, Options, Screening, options_problem, read_buffers, screen,
};
use crate::geom::crs::Crs;
use crate::intake::candidate::Limits;
use crate::intake::formats::GkZone;
use crate::intake::formats::txt::CornerStyle;
use crate::intake::submission::{self, InputFormat};
use crate::layer::catalog::Catalog;
use crate::records::access::{Role, expiry, new_token, token_hash};
use crate::records::revisions::{DEFAULT_CACHE_BYTES, open_catalog, publish_file};
use crate::records::store::{SqliteStore, Store};
use crate::time::now_ms;

#[derive(Parser)]
#[command(
    name = "planmap",
    version,
    about = "Overlap checks of mining-right candidates against mineral-resource planning layers"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API on the layers of a directory.
    Serve {
        /// Directory holding catalog.toml and the layer files.
        #[arg(long, default_value = "layers")]
        layers: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Largest request body accepted, in bytes.
        #[arg(long, default_value_t = ApiLimits::default().max_body_bytes)]
        max_body_bytes: usize,
        /// Most vertices a candidate may have.
        #[arg(long, default_value_t = Limits::default().max_vertices)]
        max_vertices: usize,
        /// Widest and tallest a candidate may be, in degrees (422 beyond).
        #[arg(long, default_value_t = Limits::default().max_extent_deg)]
        max_extent_deg: f64,
        /// Seconds a client has to send a request head (also the keep-alive idle time).
        #[arg(long, default_value_t = ApiLimits::default().header_timeout.as_secs_f64())]
        header_timeout: f64,
        /// Seconds a client has to send a request body (408 beyond).
        #[arg(long, default_value_t = ApiLimits::default().body_timeout.as_secs_f64())]
        body_timeout: f64,
        /// Seconds a write may wait on a client that reads nothing.
        #[arg(long, default_value_t = ApiLimits::default().write_timeout.as_secs_f64())]
        write_timeout: f64,
        /// Seconds one request's work may run (503 deadline-exceeded beyond).
        #[arg(long, default_value_t = ApiLimits::default().compute_deadline.as_secs_f64())]
        compute_deadline: f64,
        /// Heavy requests (checks, snapping, reviews) run at once, in each of the
        /// two lanes (small candidates; the rest).
        #[arg(long, default_value_t = ApiLimits::default().heavy_workers)]
        heavy_workers: usize,
        /// Requests that may wait for a turn in each lane (503 with Retry-After beyond).
        #[arg(long, default_value_t = ApiLimits::default().heavy_queue)]
        heavy_queue: usize,
        /// Seconds a heavy request may wait for its turn.
        #[arg(long, default_value_t = ApiLimits::default().queue_wait.as_secs_f64())]
        queue_wait: f64,
        /// Connections open at once (one more is answered 503 and closed).
        #[arg(long, default_value_t = ApiLimits::default().max_connections)]
        max_connections: usize,
        /// Data directory: candidates, reviews, layer revisions, tokens, audit log.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Whether reading (layers, checks, candidates, reviews) works without a token.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        open_reads: bool,
        /// Seconds between looks at the data directory for revisions published
        /// by `planmap layers publish` or come into force; 0 never looks.
        #[arg(long, default_value_t = 2.0)]
        follow_interval: f64,
        /// Megabytes of old revisions (for as_of, diffs, verifying) kept in memory.
        #[arg(long, default_value_t = DEFAULT_CACHE_BYTES / (1024 * 1024))]
        revision_cache_mb: usize,
        /// A basemap for the web workspace at /map, drawn under the plan: a tile
        /// URL template with {z}, {x}, {y} (XYZ, or WMTS KVP such as 天地图's
        /// `…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY`); `mvt:URL` for
        /// vector tiles. Repeat for layers drawn in order (imagery, then labels).
        #[arg(long)]
        basemap: Vec<String>,
        /// The basemap's attribution, shown in the map's corner.
        #[arg(long)]
        basemap_attribution: Option<String>,
        /// For tests only: the clock reads this RFC 3339 instant at start and
        /// runs on from it, so a scheduled revision's date can come in seconds.
        #[arg(long, hide = true)]
        clock_start: Option<String>,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Layer revisions.
    Layers {
        #[command(subcommand)]
        command: LayersCommand,
    },
    /// Check one candidate file: GeoJSON, a 界址点 TXT exchange file or a corner-point list.
    Check {
        #[arg(long, default_value = "layers")]
        layers: PathBuf,
        /// The candidate file.
        file: PathBuf,
        #[command(flatten)]
        request: CheckFile,
        /// Only these layer ids (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Print exactly the HTTP API's JSON answer.
        #[arg(long)]
        json: bool,
    },
    /// Whole-plan QA, as `POST /qa` does: a set of blocks against the
    /// layers, each other and the plan's size rules. Exit status 0 when no
    /// block has a problem, 3 when one has.
    Qa {
        #[arg(long, default_value = "layers")]
        layers: PathBuf,
        /// QA this catalog layer's features (e.g. exploration_blocks) …
        #[arg(long, conflicts_with = "file")]
        layer: Option<String>,
        /// … or the blocks of this file: a GeoJSON FeatureCollection or a
        /// multi-parcel coordinate file.
        file: Option<PathBuf>,
        /// Check against only these layer ids (comma-separated).
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Overlaps thinner and gaps narrower than this are slivers and gaps (m).
        #[arg(long)]
        tolerance_m: Option<String>,
        /// The kind of every block that does not say its own.
        #[arg(long)]
        kind: Option<String>,
        /// The mineral of every block that does not say its own.
        #[arg(long)]
        mineral: Option<String>,
        /// The file's format (as `planmap check --format`).
        #[arg(long)]
        format: Option<String>,
        /// Print CSV (one row a problem).
        #[arg(long, conflicts_with_all = ["json", "html"])]
        csv: bool,
        /// Print the printable HTML page.
        #[arg(long, conflicts_with = "json")]
        html: bool,
        /// Print exactly the HTTP API's JSON answer.
        #[arg(long)]
        json: bool,
    },
    /// Count and measure a layer's features, grouped by properties (查询统计),
    /// as `GET /collections/{id}/stats` does.
    Stats {
        #[arg(long, default_value = "layers")]
        layers: PathBuf,
        /// The layer id.
        layer: String,
        /// Properties to group by (comma-separated, at most 5).
        #[arg(long, value_delimiter = ',')]
        group_by: Vec<String>,
        /// A CQL2 text filter on the layer's properties.
        #[arg(long)]
        filter: Option<String>,
        /// Measure only what lies inside this layer's areas, or inside one
        /// of them: LAYER or LAYER/FEATURE_ID (group by `LAYER.property`
        /// for the containing feature's properties).
        #[arg(long, value_name = "LAYER[/FEATURE_ID]")]
        inside: Option<String>,
        /// Print CSV (one row a group) instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once; only its hash is stored).
    Create {
        /// viewer, planner, reviewer or admin.
        #[arg(long)]
        role: String,
        /// Who holds it; reviews and the audit log show this name.
        #[arg(long)]
        name: String,
        /// When it stops working: an RFC 3339 timestamp, or a date (its start, China Standard Time).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// List the tokens: name, role, state, created, expires, revoked, last used (never the secret).
    List {
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Revoke a token by name: every server on this data directory refuses it from now on.
    Revoke {
        /// The token's name.
        name: String,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum LayersCommand {
    /// Publish a new revision of a catalog layer into the data directory.
    /// A running server serves it within its --follow-interval (or, with a
    /// future --effective date, from that date on).
    Publish {
        /// The layer id, as in catalog.toml.
        #[arg(long)]
        layer: String,
        /// The new layer file (GeoJSON or FlatGeobuf).
        file: PathBuf,
        /// In force from this date (YYYY-MM-DD, China Standard Time), today by
        /// default; a future date schedules it.
        #[arg(long)]
        effective: Option<String>,
        /// Who publishes, for the audit log.
        #[arg(long, default_value = "cli")]
        by: String,
        #[arg(long, default_value = "layers")]
        layers: PathBuf,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

/// Runs the command line; the exit status is 0 pass, 2 warn, 3 reject, 1 error.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "planmap=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("planmap: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Serve {
            layers,
            addr,
            max_body_bytes,
            max_vertices,
            max_extent_deg,
            header_timeout,
            body_timeout,
            write_timeout,
            compute_deadline,
            heavy_workers,
            heavy_queue,
            queue_wait,
            max_connections,
            data,
            open_reads,
            follow_interval,
            revision_cache_mb,
            basemap,
            basemap_attribution,
            clock_start,
        } => {
            if let Some(start) = &clock_start {
                crate::time::start_clock_at(start)
                    .ok_or_else(|| anyhow::anyhow!("--clock-start: an RFC 3339 timestamp"))?;
            }
            // Before any thread allocates: a server's threads share a few
            // allocator arenas instead of one each.
            crate::memory::few_allocator_arenas();
            let seconds = |name: &str, s: f64| {
                std::time::Duration::try_from_secs_f64(s)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| anyhow::anyhow!("--{name}: a positive number of seconds"))
            };
            let catalog = Arc::new(Catalog::load(&layers)?);
            let store = Arc::new(SqliteStore::open(&data)?);
            let live = Arc::new(
                open_catalog(store.as_ref(), catalog)?
                    .with_cache_bytes(revision_cache_mb.saturating_mul(1024 * 1024)),
            );
            if max_extent_deg.is_nan() || max_extent_deg <= 0.0 {
                anyhow::bail!("--max-extent-deg: a positive number of degrees");
            }
            let limits = ApiLimits {
                max_body_bytes,
                candidate: Limits {
                    max_vertices,
                    max_extent_deg,
                },
                header_timeout: seconds("header-timeout", header_timeout)?,
                body_timeout: seconds("body-timeout", body_timeout)?,
                write_timeout: seconds("write-timeout", write_timeout)?,
                compute_deadline: seconds("compute-deadline", compute_deadline)?,
                heavy_workers: heavy_workers.max(1),
                heavy_queue,
                queue_wait: seconds("queue-wait", queue_wait)?,
                max_connections: max_connections.max(1),
            };
            let mut state = AppState::with_store(live, store, limits, open_reads);
            state.workspace = crate::api::workspace::WorkspaceConfig {
                basemaps: basemap
                    .iter()
                    .map(|b| crate::api::workspace::Basemap::parse(b))
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("--basemap: {e}"))?,
                attribution: basemap_attribution,
            };
            if follow_interval != 0.0 {
                state.follow_interval = Some(seconds("follow-interval", follow_interval)?);
            }
            tokio::runtime::Runtime::new()?.block_on(crate::api::serve(state, addr))?;
            Ok(0)
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    role,
                    name,
                    expires,
                    data,
                },
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role: use viewer, planner, reviewer or admin"))?;
            let expires_at = expires
                .map(|text| expiry(&text, now_ms()))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--expires: {e}"))?;
            let store = SqliteStore::open(&data)?;
            let token = new_token().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            store.create_token(
                "cli",
                &name,
                role,
                &token_hash(&token),
                expires_at.as_deref(),
            )?;
            println!("{token}");
            Ok(0)
        }
        Command::Token {
            command: TokenCommand::List { data },
        } => {
            let store = SqliteStore::open(&data)?;
            let now = now_ms();
            println!("name\trole\tstate\tcreated_at\texpires_at\trevoked_at\tlast_used_at");
            for t in store.tokens()? {
                let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.name,
                    t.role.as_str(),
                    t.state(now).as_str(),
                    t.created_at,
                    or_dash(&t.expires_at),
                    or_dash(&t.revoked_at),
                    or_dash(&t.last_used_at)
                );
            }
            Ok(0)
        }
        Command::Token {
            command: TokenCommand::Revoke { name, data },
        } => {
            let store = SqliteStore::open(&data)?;
            match store.revoke_token("cli", &name)? {
                Some(t) => {
                    println!(
                        "revoked {} ({}) at {}",
                        t.name,
                        t.role.as_str(),
                        t.revoked_at.unwrap_or_default()
                    );
                    Ok(0)
                }
                None => Err(anyhow::anyhow!("no token named '{name}'")),
            }
        }
        Command::Layers {
            command:
                LayersCommand::Publish {
                    layer,
                    file,
                    effective,
                    by,
                    layers,
                    data,
                },
        } => {
            let store = SqliteStore::open(&data)?;
            let live = open_catalog(&store, Arc::new(Catalog::load(&layers)?))?;
            let published = publish_file(&store, &live, &by, &layer, &file, effective.as_deref())?;
            println!("{}", serde_json::to_string_pretty(&published)?);
            Ok(0)
        }
        Command::Stats {
            layers,
            layer,
            group_by,
            filter,
            inside,
            csv,
        } => {
            let catalog = Catalog::load(&layers)?;
            let Some(found) = catalog.get(&layer) else {
                let known: Vec<&str> = catalog.layers.iter().map(|l| l.entry.id.as_str()).collect();
                anyhow::bail!("no layer '{layer}'; the catalog has {}", known.join(", "));
            };
            let data = &found.data;
            let filter = filter
                .map(|text| {
                    crate::query::cql2::Filter::parse(
                        &text,
                        crate::query::cql2::Lang::Text,
                        Crs::Crs84,
                        data.queryables(),
                    )
                })
                .transpose()
                .map_err(|e| anyhow::anyhow!("--filter: {e}"))?;
            let query = crate::query::stats::StatsQuery {
                selection: crate::query::select::ItemQuery {
                    bbox: None,
                    datetime: None,
                    filter,
                    limit: 0,
                    offset: 0,
                },
                group_by,
            };
            let figures = match inside {
                None => crate::query::stats::stats(data, &query)
                    .map_err(|e| anyhow::anyhow!("--group-by: {e}"))?,
                Some(value) => {
                    let (id, feature) = match value.split_once('/') {
                        Some((id, f)) => (id, Some(f)),
                        None => (value.as_str(), None),
                    };
                    let around = catalog
                        .get(id)
                        .ok_or_else(|| anyhow::anyhow!("--inside: no layer '{id}'"))?;
                    let only = feature
                        .map(|f| {
                            around.data.find(f).ok_or_else(|| {
                                anyhow::anyhow!("--inside: layer {id} has no feature '{f}'")
                            })
                        })
                        .transpose()?;
                    crate::engine::overlay::inside_layer(
                        found,
                        around,
                        &query.selection,
                        &query.group_by,
                        only,
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                }
            };
            if csv {
                print!("{}", crate::query::stats::to_csv(&figures));
            } else {
                print_stats(&figures);
            }
            Ok(0)
        }
        Command::Qa {
            layers,
            layer,
            file,
            only,
            tolerance_m,
            kind,
            mineral,
            format,
            csv,
            html,
            json,
        } => {
            use crate::engine::qa;
            let catalog = Catalog::load(&layers)?;
            let (bytes, format) = match (&layer, &file) {
                (Some(id), None) => (
                    serde_json::to_vec(&serde_json::json!({ "layer": id }))?,
                    InputFormat::GeoJson,
                ),
                (None, Some(path)) => {
                    let bytes = std::fs::read(path)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    let format = match format.as_deref() {
                        Some(f) => {
                            InputFormat::read(f).map_err(|e| anyhow::anyhow!("--format: {e}"))?
                        }
                        None => InputFormat::sniff(&bytes),
                    };
                    (bytes, format)
                }
                _ => anyhow::bail!("name the blocks: --layer ID or a FILE"),
            };
            let (blocks, own) =
                qa::read_blocks(&bytes, format, None, None, Limits::default(), &catalog)?;
            let mut selected = catalog.select(only.as_deref())?;
            selected.retain(|l| Some(&l.entry.id) != own.as_ref());
            let options = qa::QaOptions {
                tolerance_m: tolerance_m
                    .as_deref()
                    .map(qa::read_tolerance)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--tolerance-m: {e}"))?
                    .unwrap_or(qa::DEFAULT_TOLERANCE_M),
                kind: kind
                    .as_deref()
                    .map(CandidateKind::read)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--kind: {e}"))?,
                mineral,
                on_date: Some(crate::time::today()),
            };
            let report = qa::review_plan(&blocks, &selected, &options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if csv {
                print!("{}", qa::to_csv(&report));
            } else if html {
                print!("{}", qa::to_html(&report));
            } else {
                let s = &report.summary;
                println!(
                    "{} blocks: {} clean, {} with problems; {:.2} m² in all; tolerance {} m",
                    s.blocks, s.clean, s.with_problems, s.area_m2, s.tolerance_m
                );
                for b in &report.blocks {
                    for p in &b.problems {
                        println!(
                            "{} {}: {}: {}",
                            b.id,
                            b.name.as_deref().unwrap_or(""),
                            p.kind.as_str(),
                            p.detail
                        );
                    }
                }
            }
            Ok(if report.summary.with_problems == 0 {
                0
            } else {
                3
            })
        }
        Command::Check {
            layers,
            file,
            request,
            only,
            json,
        } => {
            let (screening, input) = check_file(&layers, &file, &request, only.as_deref())
                .map_err(|e| anyhow::anyhow!("{}: {e:#}", file.display()))?;
            if json {
                // The same members as the answer of POST /check.
                let mut answer = serde_json::to_value(&screening)?;
                if let Some(members) = answer.as_object_mut() {
                    members.insert("input".into(), serde_json::to_value(&input)?);
                }
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                let mut read = format!("read: {} ({})", input.format.as_str(), input.encoding);
                if let Some(sheet) = &input.sheet {
                    read.push_str(&format!(", sheet {sheet}"));
                }
                if let Some(crs) = &input.crs {
                    read.push_str(&format!(", CRS {} from the {}", crs.name, crs.from));
                }
                println!("{read}");
                print!("{}", table(&screening));
            }
            Ok(screening.report.verdict.exit_code() as u8)
        }
    }
}

/// What `planmap check` was asked, as given on the command line.
#[derive(clap::Args)]
struct CheckFile {
    /// CRS of a GeoJSON file's coordinates, in its authority axis order
    /// (CRS84 when not given), or of a zipped Shapefile without a .prj.
    #[arg(long)]
    crs: Option<String>,
    /// geojson, txt, corners, csv, xlsx or shapefile; by default from the
    /// extension and content.
    #[arg(long)]
    format: Option<String>,
    /// Gauss-Krüger zone for coordinate files whose eastings carry no zone number.
    #[arg(long)]
    zone: Option<String>,
    /// exploration_block, mining_block or mining_right: evaluate the plan's rules for it.
    #[arg(long)]
    kind: Option<String>,
    /// Mineral, for the block cap of an exploration block.
    #[arg(long)]
    mineral: Option<String>,
    /// Also report the clean (净矿) part.
    #[arg(long)]
    net: bool,
    /// Add corner points in this zone (number or EPSG code) or `dms`.
    #[arg(long)]
    corners: Option<String>,
    /// Leave each overlap's geometry out of the JSON answer.
    #[arg(long)]
    no_geometry: bool,
    /// `true`: the nearest feature of every layer checked that the candidate
    /// does not overlap, and its geodesic distance; or layer ids
    /// (comma-separated) for those only.
    #[arg(long, value_name = "true|LAYERS")]
    nearest: Option<String>,
    /// Protection buffers for this check, LAYER:METRES (comma-separated):
    /// each widens the layer's own `buffer_m`, never narrows it.
    #[arg(long, value_name = "LAYER:METRES,…")]
    buffer: Option<String>,
    /// The date licences' validity (`valid_from`/`valid_to`) is judged on,
    /// YYYY-MM-DD (China Standard Time); default today. The layers are the
    /// directory's files whatever the date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// The candidate's elevation range, TOP,BOTTOM in metres (800,200):
    /// on depth-aware layers, features apart in depth are not conflicts.
    #[arg(long, value_name = "TOP,BOTTOM", allow_hyphen_values = true)]
    depth: Option<String>,
}

fn check_file(
    layers: &Path,
    file: &Path,
    request: &CheckFile,
    only: Option<&[String]>,
) -> anyhow::Result<(Screening, submission::Input)> {
    let catalog = Catalog::load(layers)?;
    let selected = catalog.select(only)?;
    // Each value is read by the function the HTTP API reads it with, so
    // both accept the same spellings and refuse with the same words.
    let crs = request
        .crs
        .as_deref()
        .map(Crs::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--crs: {e}"))?;
    let bytes = std::fs::read(file)?;
    let format = match request.format.as_deref() {
        Some(f) => InputFormat::read(f).map_err(|e| anyhow::anyhow!("--format: {e}"))?,
        None if file
            .extension()
            .is_some_and(|e| e == "geojson" || e == "json") =>
        {
            InputFormat::GeoJson
        }
        None if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            InputFormat::Csv
        }
        None if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
        {
            InputFormat::Xlsx
        }
        None if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip")) =>
        {
            InputFormat::Shapefile
        }
        None => InputFormat::sniff(&bytes),
    };
    let zone = request
        .zone
        .as_deref()
        .map(GkZone::read)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--zone: {e}"))?;
    let options = Options {
        kind: request
            .kind
            .as_deref()
            .map(CandidateKind::read)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--kind: {e}"))?,
        mineral: request.mineral.clone(),
        net: request.net,
        list_blocks: false,
        without_geometry: request.no_geometry,
        nearest: request
            .nearest
            .as_deref()
            .map(NearestLayers::read)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--nearest: {e}"))?
            .flatten(),
        buffers: request
            .buffer
            .as_deref()
            .map(read_buffers)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--buffer: {e}"))?
            .unwrap_or_default(),
        depth: request
            .depth
            .as_deref()
            .map(crate::engine::screening::read_depth)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--depth: {e}"))?,
        on_date: Some(match request.as_of.as_deref() {
            Some(d) => crate::time::checked_date(d)
                .ok_or_else(|| anyhow::anyhow!("--as-of: '{d}' is not a date (YYYY-MM-DD)"))?,
            None => crate::time::today(),
        }),
        corners: request
            .corners
            .as_deref()
            .map(CornerStyle::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--corners: {e}"))?,
    };
    if let Some((name, problem)) = options_problem(&options, &selected) {
        anyhow::bail!("--{name}: {problem}");
    }
    let (parts, input) =
        submission::read_saying_what(&bytes, format, crs, zone, Limits::default())?;
    Ok((screen(&parts, &selected, &options)?, input))
}

/// A readable table of the conflicts, then the verdict.
pub fn table(screening: &Screening) -> String {
    use std::fmt::Write;
    let report = &screening.report;
    let mut out = String::new();
    let c = &report.candidate;
    let _ = writeln!(
        out,
        "candidate: {:.2} m² = {:.2} 亩 = {:.4} km², {} vertices",
        c.area.area_m2, c.area.area_mu, c.area.area_km2, c.vertices
    );
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {}", w.message);
    }
    let header = [
        "layer",
        "feature",
        "name",
        "overlap m²",
        "overlap 亩",
        "of candidate",
        "of feature",
        "on overlap",
    ];
    let mut rows: Vec<[String; 8]> = vec![header.map(str::to_string)];
    for conflict in &report.conflicts.features {
        let p = &conflict.properties;
        rows.push([
            p.layer.clone(),
            p.feature_id.to_string(),
            p.name.clone().unwrap_or_default(),
            match p.overlap_length_m {
                Some(len) => format!("{len:.2} m"),
                None => format!("{:.2}", p.overlap_area_m2),
            },
            format!("{:.2}", p.overlap_area_mu),
            format!("{:.2}%", p.share_of_candidate * 100.0),
            format!("{:.2}%", p.share_of_feature * 100.0),
            format!("{:?}", p.on_overlap).to_lowercase(),
        ]);
    }
    if rows.len() > 1 {
        let width = display_width;
        let widths: Vec<usize> = (0..8)
            .map(|i| rows.iter().map(|r| width(&r[i])).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - width(cell))))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
    } else {
        let _ = writeln!(out, "no conflicts");
    }
    // What a conflict's row cannot show: buffer, depth, validity.
    for conflict in &report.conflicts.features {
        let p = &conflict.properties;
        if let Some(b) = &p.buffer {
            let _ = writeln!(
                out,
                "within the {:.0} m buffer of {} {} {}: {:.2} m away, {:.2} m² = {:.2} 亩 of the candidate inside",
                b.buffer_m,
                p.layer,
                p.feature_id,
                p.name.as_deref().unwrap_or(""),
                b.distance_m,
                b.area_m2,
                b.area_mu
            );
        }
        if let Some(d) = &p.depth {
            let _ = writeln!(
                out,
                "in depth, {} {}: candidate {:+} to {:+} m, feature {:+} to {:+} m, shared {:+} to {:+} m",
                p.layer,
                p.feature_id,
                d.candidate.top_m,
                d.candidate.bottom_m,
                d.feature.top_m,
                d.feature.bottom_m,
                d.shared.top_m,
                d.shared.bottom_m
            );
        }
        if let Some(v) = &p.validity {
            use crate::engine::report::ValidityStatus;
            let status = match v.status {
                ValidityStatus::InForce => "in force",
                ValidityStatus::Expired => "expired",
                ValidityStatus::NotYetValid => "not yet valid",
                ValidityStatus::Unreadable => "unreadable (taken as in force)",
            };
            let _ = writeln!(
                out,
                "validity of {} {} {}: {status} on {} (valid {} to {}), {}",
                p.layer,
                p.feature_id,
                p.name.as_deref().unwrap_or(""),
                v.on,
                v.valid_from.as_deref().unwrap_or("—"),
                v.valid_to.as_deref().unwrap_or("—"),
                format!("{:?}", p.on_overlap).to_lowercase()
            );
        }
    }
    for s in &report.separated_in_depth {
        let _ = writeln!(
            out,
            "separated in depth: {} {} {} overlaps {:.2} m² in plan; candidate {:+} to {:+} m, feature {:+} to {:+} m",
            s.layer,
            s.feature_id,
            s.name.as_deref().unwrap_or(""),
            s.overlap_area_m2,
            s.candidate_depth.top_m,
            s.candidate_depth.bottom_m,
            s.feature_depth.top_m,
            s.feature_depth.bottom_m
        );
    }
    for a in &report.adjacent {
        let _ = writeln!(
            out,
            "adjacent (touches only): {} {} {}",
            a.layer,
            a.feature_id,
            a.name.as_deref().unwrap_or("")
        );
    }
    for n in screening.nearest.iter().flatten() {
        let _ = writeln!(
            out,
            "nearest {}: {} {} at {:.2} m",
            n.layer,
            n.feature_id,
            n.name.as_deref().unwrap_or(""),
            n.distance_m
        );
    }
    let b = &screening.basic_blocks;
    let _ = writeln!(
        out,
        "basic unit blocks (1′×1′): {} touched ({} whole, {} partial), area {:.4} blocks",
        b.touched, b.whole, b.partial, b.area_in_blocks
    );
    for f in &screening.findings {
        let status = match f.passed {
            Some(true) => "passed",
            Some(false) => "FAILED",
            None => "not evaluated",
        };
        let _ = writeln!(out, "rule {} {status}: {} [{}]", f.rule, f.detail, f.clause);
    }
    if let Some(net) = &screening.net {
        let _ = writeln!(
            out,
            "clean part (净矿): {:.2} m² = {:.2} 亩, {:.2}% of the candidate",
            net.area.area_m2,
            net.area.area_mu,
            net.share_of_candidate * 100.0
        );
        if let Some(text) = &net.corner_points {
            let _ = write!(out, "{text}");
        }
    }
    let _ = writeln!(out, "verdict: {:?}", report.verdict);
    out
}

/// Columns a text takes in a terminal: Chinese characters take two.
fn display_width(s: &str) -> usize {
    s.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum()
}

/// A statistic as an aligned table, one line a group and the total.
fn print_stats(stats: &crate::query::stats::Stats) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head: Vec<String> = stats.group_by.clone();
    head.extend(["count", "area m²", "area 亩", "length m"].map(String::from));
    rows.push(head);
    let figures = |f: &crate::query::stats::Figures| {
        [
            f.count.to_string(),
            format!("{:.2}", f.area.area_m2),
            format!("{:.2}", f.area.area_mu),
            format!("{:.2}", f.length_m),
        ]
    };
    for g in &stats.groups {
        let mut row: Vec<String> = stats
            .group_by
            .iter()
            .map(|k| match g.key.get(k) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => "(none)".into(),
                Some(other) => other.to_string(),
            })
            .collect();
        row.extend(figures(&g.figures));
        rows.push(row);
    }
    let mut total: Vec<String> = vec![String::new(); stats.group_by.len()];
    if let Some(first) = total.first_mut() {
        *first = "total".into();
    }
    total.extend(figures(&stats.total));
    rows.push(total);
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| display_width(&r[c])).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, width))| {
                let pad = width - display_width(cell);
                if c < stats.group_by.len() {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
