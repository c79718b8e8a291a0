//! Keeping the idle window small. Handbill's pages are its own, loaded from
//! the binary, so WebKit's caches for browsing (back/forward page cache, a
//! large memory cache of decoded resources) hold nothing worth keeping. Once the
//! first screen is drawn, the web context switches to the document-viewer cache
//! model, and a little later the shell's own allocator gives the memory freed
//! after startup back to the system.

use std::time::Duration;

use tauri::{Runtime, WebviewWindow};

/// How long after the first screen the heap is trimmed: long enough for the
/// first section's data to have arrived and been drawn.
const SETTLE_AFTER: Duration = Duration::from_secs(3);

/// Called when the UI reports its first screen drawn.
pub fn settle<R: Runtime>(window: WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        std::thread::spawn(|| {
            std::thread::sleep(SETTLE_AFTER);
            // SAFETY: malloc_trim only returns free heap pages (of every arena) to
            // the system; it is thread-safe and touches no memory in use.
            unsafe {
                libc::malloc_trim(0);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
