//! [`application_accessors!`](crate::application_accessors): the methods
//! every service's `Application` (a newtype over [`Service`](crate::Service))
//! offers its `main` and its tests, written once.

/// Gives `$application`, a tuple struct whose field 0 is a
/// [`Service`](crate::Service), the methods `port`, `operator_port`, `pool`,
/// `housekeeper`, `shutdown_token` and `run_until_stopped`, and makes it [`Runnable`](crate::Runnable).
#[macro_export]
macro_rules! application_accessors {
    ($application:ty) => {
        impl $application {
            /// The HTTP port (useful with port 0).
            pub fn port(&self) -> u16 {
                self.0.port()
            }

            /// The operator's port (`/metrics`, `/admin/*`; useful with
            /// port 0).
            pub fn operator_port(&self) -> u16 {
                self.0.operator_port()
            }

            /// The database pool (tests look at rows through it).
            pub fn pool(&self) -> &$crate::accessors::reexports::PgPool {
                self.0.pool()
            }

            /// What deletes the rows older than the retention (tests sweep
            /// with it).
            pub fn housekeeper(&self) -> &$crate::retention::Housekeeper {
                self.0.housekeeper()
            }

            /// The token that stops the application when cancelled.
            pub fn shutdown_token(&self) -> $crate::accessors::reexports::CancellationToken {
                self.0.shutdown_token()
            }

            /// Serves until the shutdown token is cancelled, then drains the
            /// consumers and background tasks and closes the bus and the pool.
            pub async fn run_until_stopped(self) -> $crate::accessors::reexports::Result<()> {
                self.0.run_until_stopped().await
            }
        }

        impl $crate::Runnable for $application {
            fn port(&self) -> u16 {
                self.0.port()
            }

            fn operator_port(&self) -> u16 {
                self.0.operator_port()
            }

            fn shutdown_token(&self) -> $crate::accessors::reexports::CancellationToken {
                self.0.shutdown_token()
            }

            fn housekeeper(&self) -> &$crate::retention::Housekeeper {
                self.0.housekeeper()
            }

            fn run_until_stopped(
                self,
            ) -> impl ::std::future::Future<Output = $crate::accessors::reexports::Result<()>> + Send
            {
                self.0.run_until_stopped()
            }
        }
    };
}

/// What the macro names, so a service needs no direct dependency on them.
#[doc(hidden)]
pub mod reexports {
    pub use anyhow::Result;
    pub use sqlx::PgPool;
    pub use tokio_util::sync::CancellationToken;
}
