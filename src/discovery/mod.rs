//! Docker Engine API → [`model::ClusterSnapshot`]. The only module that talks to Docker.

pub mod model;
