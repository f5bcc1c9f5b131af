//! Entry point of the page: only mounts the app (components live in lib.rs so tests can mount them).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
