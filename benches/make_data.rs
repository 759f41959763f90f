//! Writes the benchmark data: parcel layers as FlatGeobuf (and the 100k one
//! as GeoJSON too), the candidates as GeoJSON geometries, and one catalog
//! directory per layer for `planmap serve`.
//!
//! `cargo bench --bench make_data -- OUT_DIR [100k] [1m] [5m]`
//! Same arguments, same bytes.

#[path = "data/mod.rs"]
mod data;

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

use flatbuffers::FlatBufferBuilder;
use flatgeobuf::{
    Column, ColumnArgs, ColumnType, Crs, CrsArgs, Feature, FeatureArgs, Geometry, GeometryArgs,
    GeometryType, Header, HeaderArgs,
};
use rayon::prelude::*;

use data::{Grid, LAYERS, candidate_rings, candidate_specs};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(out) = args.first() else {
        eprintln!("usage: make_data OUT_DIR [100k] [1m] [5m]");
        std::process::exit(2);
    };
    let out = Path::new(out);
    std::fs::create_dir_all(out.join("candidates"))?;
    let grid = Grid::new();
    for spec in candidate_specs() {
        let rings = candidate_rings(&grid, &spec);
        let json = serde_json::json!({"type": "Polygon", "coordinates": rings
            .iter()
            .map(|r| r.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>())
            .collect::<Vec<_>>()});
        std::fs::write(
            out.join("candidates").join(format!("{}.json", spec.name)),
            serde_json::to_vec(&json)?,
        )?;
    }
    for (name, cols, rows) in LAYERS {
        if !args[1..].iter().any(|a| a == name) {
            continue;
        }
        let t = std::time::Instant::now();
        let fgb = out.join(format!("parcels_{name}.fgb"));
        write_fgb(&grid, cols, rows, &fgb)?;
        if name == "100k" {
            write_geojson(
                &grid,
                cols,
                rows,
                &out.join(format!("parcels_{name}.geojson")),
            )?;
        }
        for (format, file) in [
            ("fgb", fgb.clone()),
            ("geojson", fgb.with_extension("geojson")),
        ] {
            if !file.exists() {
                continue;
            }
            let dir = out.join(format!("layers_{name}_{format}"));
            std::fs::create_dir_all(&dir)?;
            std::fs::write(
                dir.join("catalog.toml"),
                format!(
                    "[[layer]]\nid = \"parcels\"\ntitle = \"永久基本农田 (generated)\"\nfile = \"../{}\"\non_overlap = \"reject\"\nrule = \"屯留 第四章第二节 (7)\"\n",
                    file.file_name().unwrap().to_string_lossy()
                ),
            )?;
        }
        eprintln!(
            "wrote {} parcels ({cols} × {rows}) to {} in {:.1?}",
            cols * rows,
            fgb.display(),
            t.elapsed()
        );
    }
    Ok(())
}

/// One parcel as a size-prefixed FlatGeobuf feature with its `id` column.
fn fgb_feature(fbb: &mut FlatBufferBuilder, rings: &[Vec<(f64, f64)>], id: i64) -> Vec<u8> {
    fbb.reset();
    let xy: Vec<f64> = rings.iter().flatten().flat_map(|&(x, y)| [x, y]).collect();
    let mut ends = Vec::new();
    let mut at = 0u32;
    for r in rings {
        at += r.len() as u32;
        ends.push(at);
    }
    let xy = fbb.create_vector(&xy);
    let ends = (rings.len() > 1).then(|| fbb.create_vector(&ends));
    let geometry = Geometry::create(
        fbb,
        &GeometryArgs {
            xy: Some(xy),
            ends,
            ..Default::default()
        },
    );
    let mut props = vec![0u8, 0];
    props.extend_from_slice(&id.to_le_bytes());
    let properties = fbb.create_vector(&props);
    let feature = Feature::create(
        fbb,
        &FeatureArgs {
            geometry: Some(geometry),
            properties: Some(properties),
            columns: None,
        },
    );
    fbb.finish_size_prefixed(feature, None);
    fbb.finished_data().to_vec()
}

fn write_fgb(grid: &Grid, cols: usize, rows: usize, path: &Path) -> std::io::Result<()> {
    let mut file = BufWriter::with_capacity(1 << 22, std::fs::File::create(path)?);
    let mut fbb = FlatBufferBuilder::new();
    let name = fbb.create_string("parcels");
    let column_name = fbb.create_string("id");
    let column = Column::create(
        &mut fbb,
        &ColumnArgs {
            name: Some(column_name),
            type_: ColumnType::Long,
            nullable: false,
            unique: true,
            primary_key: true,
            ..Default::default()
        },
    );
    let columns = fbb.create_vector(&[column]);
    let envelope = fbb.create_vector(&[grid.xs[0], grid.ys[0], grid.xs[cols], grid.ys[rows]]);
    let org = fbb.create_string("EPSG");
    let crs = Crs::create(
        &mut fbb,
        &CrsArgs {
            org: Some(org),
            code: 4490,
            ..Default::default()
        },
    );
    let header = Header::create(
        &mut fbb,
        &HeaderArgs {
            name: Some(name),
            envelope: Some(envelope),
            geometry_type: GeometryType::Polygon,
            columns: Some(columns),
            features_count: (cols * rows) as u64,
            index_node_size: 0,
            crs: Some(crs),
            ..Default::default()
        },
    );
    fbb.finish_size_prefixed(header, None);
    file.write_all(b"fgb\x03fgb\x00")?;
    file.write_all(fbb.finished_data())?;
    for j in 0..rows {
        let row: Vec<Vec<u8>> = (0..cols)
            .into_par_iter()
            .map_init(FlatBufferBuilder::new, |fbb, i| {
                fgb_feature(fbb, &grid.parcel(i, j), Grid::id(i, j))
            })
            .collect();
        for f in row {
            file.write_all(&f)?;
        }
    }
    file.flush()
}

fn write_geojson(grid: &Grid, cols: usize, rows: usize, path: &Path) -> std::io::Result<()> {
    let mut file = BufWriter::with_capacity(1 << 22, std::fs::File::create(path)?);
    file.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for j in 0..rows {
        for i in 0..cols {
            let mut s = String::new();
            if i + j > 0 {
                s.push_str(",\n");
            }
            write!(
                s,
                "{{\"type\":\"Feature\",\"id\":{},\"properties\":{{}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[",
                Grid::id(i, j)
            )
            .unwrap();
            for (k, ring) in grid.parcel(i, j).iter().enumerate() {
                s.push_str(if k > 0 { ",[" } else { "[" });
                for (v, (x, y)) in ring.iter().enumerate() {
                    write!(s, "{}[{x:?},{y:?}]", if v > 0 { "," } else { "" }).unwrap();
                }
                s.push(']');
            }
            s.push_str("]}}");
            file.write_all(s.as_bytes())?;
        }
    }
    file.write_all(b"\n]}\n")?;
    file.flush()
}
