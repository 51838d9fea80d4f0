//! HTTP conventions shared by every function: extractors that answer problem+json, signed
//! cursors, the route table with per-route access, request ids.

pub mod cursor;
pub mod etag;
pub mod extract;
pub mod router;

pub use cursor::{CursorCodec, ListParams, ListResponse};
pub use etag::{Created, IfMatch, Tagged};
pub use extract::{ClientIp, Json, Path, Query, RequestId, optional_json};
pub use router::{ApiRouter, RouteSpec};
