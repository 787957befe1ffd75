"""The queue's two sides, kept apart: `client` (what the TUI and the CLI call to queue a job and start a
worker: no training code) and `process` (the detached worker and its slots, which train). Importing this
package imports neither."""
