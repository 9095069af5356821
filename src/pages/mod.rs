//! One module per page.

mod item;
mod not_found;
mod status;
mod stories;
mod user;

pub use item::ItemView;
pub use not_found::NotFound;
pub use status::StatusView;
pub use stories::StoriesView;
pub use user::UserView;
