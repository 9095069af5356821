use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ErrorView, set_page_status};
use crate::error::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <Title text="Not found" />
        <ErrorView error=AppError::NotFound("There is no page at this address.".into()) />
    }
}
