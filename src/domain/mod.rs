//! Pure types that validate on construction: a value that exists is valid.

pub mod digits;
pub mod field;
pub mod jalali;
pub mod national_id;
pub mod number_words;
pub mod phone;
pub mod plate;
pub mod rating;
pub mod seen;
pub mod service;
pub mod subscription;
pub mod text;
pub mod tracking_code;

pub use field::{Answer, DocumentRef, DocumentSource, FieldError, FieldKind, FieldValue};
pub use national_id::{CompanyId, NationalId};
pub use phone::PhoneNumber;
pub use plate::VehiclePlate;
pub use service::{Catalog, FieldSpec, PublicStatus, Role, Service, Transition, UnknownService};
pub use tracking_code::TrackingCode;
