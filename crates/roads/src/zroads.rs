//! `.zroads`: the network's arrays, little-endian, behind a header with magic bytes, format
//! version, payload length and CRC-32 of the payload. Layout in the crate README.

use std::path::Path;

use crate::network::{Parts, RoadNetwork, NONE};
use crate::{Highway, Result, RoadsError};

pub(crate) const MAGIC: [u8; 8] = *b"ZHROADS\0";
pub(crate) const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 4;

struct W(Vec<u8>);

impl W {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn f32s(&mut self, v: &[f32]) {
        self.u64(v.len() as u64);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
}

struct R<'a>(&'a [u8]);

fn corrupt(m: &str) -> RoadsError {
    RoadsError::Corrupt(m.to_string())
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(corrupt("unexpected end of payload"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(
            b.try_into().map_err(|_| corrupt("u64"))?,
        ))
    }
    /// Length prefix, checked against the bytes left so a bad length cannot allocate wildly.
    fn len(&mut self, elem: usize) -> Result<usize> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| corrupt("length overflow"))?;
        if n.checked_mul(elem).is_none_or(|b| b > self.0.len()) {
            return Err(corrupt("array length exceeds payload"));
        }
        Ok(n)
    }
    fn f64s(&mut self) -> Result<Vec<f64>> {
        let n = self.len(8)?;
        let b = self.take(n * 8)?;
        Ok(b.chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }
    fn f32s(&mut self) -> Result<Vec<f32>> {
        let n = self.len(4)?;
        let b = self.take(n * 4)?;
        Ok(b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.len(4)?;
        let b = self.take(n * 4)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }
}

pub(crate) fn encode(net: &RoadNetwork) -> Vec<u8> {
    let p = &net.p;
    let mut w = W(Vec::with_capacity(
        p.lon.len() * 16 + p.head.len() * 24 + p.seg_a.len() * 16 + 1024,
    ));
    w.f64s(&p.lon);
    w.f64s(&p.lat);
    w.u32s(&p.first_out);
    w.u32s(&p.head);
    w.f32s(&p.meters);
    for ms in &p.ms {
        w.u32s(ms);
    }
    w.u32s(&p.edge_way);
    w.u32s(&p.seg_a);
    w.u32s(&p.seg_b);
    w.u32s(&p.seg_fwd);
    w.u32s(&p.seg_bwd);
    w.u32s(&p.way_first);
    w.u32s(&p.way_nodes);
    w.bytes(&p.way_highway);
    w.u32s(&p.way_name);
    w.u64(p.names.len() as u64);
    for n in &p.names {
        w.bytes(n.as_bytes());
    }
    let payload = w.0;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Result<RoadNetwork> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(RoadsError::NotZroads);
    }
    if bytes.len() < HEADER {
        return Err(corrupt("truncated header"));
    }
    let mut h = R(&bytes[MAGIC.len()..HEADER]);
    let version = u32::from_le_bytes(h.take(4)?.try_into().map_err(|_| corrupt("version"))?);
    if version != VERSION {
        return Err(RoadsError::UnsupportedVersion {
            found: version,
            supported: VERSION,
        });
    }
    let len = h.u64()?;
    let crc = u32::from_le_bytes(h.take(4)?.try_into().map_err(|_| corrupt("crc"))?);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(corrupt(&format!(
            "payload is {} bytes, header says {len} (truncated?)",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = R(payload);
    let lon = r.f64s()?;
    let lat = r.f64s()?;
    let first_out = r.u32s()?;
    let head = r.u32s()?;
    let meters = r.f32s()?;
    let ms = [r.u32s()?, r.u32s()?, r.u32s()?];
    let edge_way = r.u32s()?;
    let seg_a = r.u32s()?;
    let seg_b = r.u32s()?;
    let seg_fwd = r.u32s()?;
    let seg_bwd = r.u32s()?;
    let way_first = r.u32s()?;
    let way_nodes = r.u32s()?;
    let way_highway = r.bytes()?.to_vec();
    let way_name = r.u32s()?;
    let n_names = r.len(8)?;
    let mut names = Vec::with_capacity(n_names);
    for _ in 0..n_names {
        let s = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("name is not UTF-8"))?;
        names.push(s.to_string());
    }
    if !r.0.is_empty() {
        return Err(corrupt("trailing bytes in payload"));
    }
    let p = Parts {
        lon,
        lat,
        first_out,
        head,
        meters,
        ms,
        edge_way,
        seg_a,
        seg_b,
        seg_fwd,
        seg_bwd,
        way_first,
        way_nodes,
        way_highway,
        way_name,
        names,
    };
    validate(&p)?;
    Ok(RoadNetwork::from_parts(p))
}

/// Every index the query code trusts is checked here, so a hand-crafted file with a valid
/// checksum still cannot make a query panic.
fn validate(p: &Parts) -> Result<()> {
    let n = p.lon.len();
    let m = p.head.len();
    let w = p.way_highway.len();
    let ok = |c: bool, m: &str| if c { Ok(()) } else { Err(corrupt(m)) };
    ok(
        n > 0 && m > 0 && n < NONE as usize && m < NONE as usize,
        "empty or oversized graph",
    )?;
    ok(p.lat.len() == n, "lon/lat length")?;
    ok(
        p.lon.iter().chain(&p.lat).all(|x| x.is_finite()),
        "non-finite coordinate",
    )?;
    ok(p.first_out.len() == n + 1 && p.first_out[0] == 0, "offsets")?;
    ok(
        p.first_out.windows(2).all(|x| x[0] <= x[1]),
        "offsets order",
    )?;
    ok(p.first_out[n] as usize == m, "offsets end")?;
    ok(
        p.meters.len() == m && p.edge_way.len() == m && p.ms.iter().all(|v| v.len() == m),
        "edge array lengths",
    )?;
    ok(p.head.iter().all(|&h| (h as usize) < n), "edge head")?;
    ok(
        p.meters.iter().all(|x| x.is_finite() && *x >= 0.0),
        "edge length",
    )?;
    ok(p.edge_way.iter().all(|&x| (x as usize) < w), "edge road")?;
    let s = p.seg_a.len();
    ok(
        p.seg_b.len() == s && p.seg_fwd.len() == s && p.seg_bwd.len() == s,
        "segment lengths",
    )?;
    for i in 0..s {
        let (a, b, f, r) = (p.seg_a[i], p.seg_b[i], p.seg_fwd[i], p.seg_bwd[i]);
        ok((a as usize) < n && (b as usize) < n, "segment node")?;
        ok(f != NONE || r != NONE, "segment without edge")?;
        ok(
            f == NONE || (f as usize) < m && p.head[f as usize] == b,
            "segment edge",
        )?;
        ok(
            r == NONE || (r as usize) < m && p.head[r as usize] == a,
            "segment edge",
        )?;
    }
    ok(
        p.way_first.len() == w + 1 && p.way_first[0] == 0,
        "road offsets",
    )?;
    ok(
        p.way_first
            .windows(2)
            .all(|x| x[0] as u64 + 2 <= x[1] as u64),
        "road with fewer than two nodes",
    )?;
    ok(
        p.way_first[w] as usize == p.way_nodes.len(),
        "road offsets end",
    )?;
    ok(p.way_nodes.iter().all(|&x| (x as usize) < n), "road node")?;
    ok(
        p.way_highway.iter().all(|&x| Highway::from_u8(x).is_some()),
        "road class",
    )?;
    ok(
        p.way_name.len() == w
            && p.way_name
                .iter()
                .all(|&x| x == NONE || (x as usize) < p.names.len()),
        "road name",
    )?;
    Ok(())
}

pub(crate) fn write_file(net: &RoadNetwork, path: &Path) -> Result<()> {
    let io = |source| RoadsError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Write-then-rename so a crash never leaves a half-written file under the real name.
    let tmp = path.with_extension("zroads.tmp");
    std::fs::write(&tmp, encode(net)).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub(crate) fn read_file(path: &Path) -> Result<RoadNetwork> {
    let bytes = std::fs::read(path).map_err(|source| RoadsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes)
}
