//! Integration tests of the road engine through its public API, one test binary for the crate
//! (issue 5b step 7). Shared generators and checkers are in `common`.

mod common;

mod generate;
mod geojson;
mod osm;
mod phast;
mod plan;
mod proptest_ch;
mod raw;
mod zroads;
