//! One module per page.

mod item;
mod not_found;
mod stories;
mod user;

pub use item::ItemView;
pub use not_found::NotFound;
pub use stories::StoriesView;
pub use user::UserView;
