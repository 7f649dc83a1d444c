//! `ocrloom keys`: the API keys of a data folder, for deployments without a
//! keys file. Changes take effect at once, also for a server running on the
//! folder.

use crate::Failure;
use anyhow::Context;
use ocrloom::jobs::Keyring;
use std::path::PathBuf;

/// Arguments of `ocrloom keys`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// The data folder (as for `ocrloom serve`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// List the keys: user, user id, fingerprint (start of the key's SHA-256), creation time.
    List,
    /// Make a new key for USER (created when new) and print it; it is shown only once.
    Add {
        /// The user's name.
        user: String,
    },
    /// Revoke every key of USER; its files and jobs stay until they expire.
    Revoke {
        /// The user's name.
        user: String,
    },
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = match args.data_dir {
        Some(d) => d,
        None => crate::serve::default_data_dir().ok_or_else(|| {
            Failure::usage("no HOME or XDG_DATA_HOME: give --data-dir".to_owned())
        })?,
    };
    let keyring = Keyring::open(&dir)
        .with_context(|| format!("opening the data folder {}", dir.display()))?;
    match args.action {
        Action::List => {
            for k in keyring.list().context("listing the keys")? {
                println!(
                    "{}\t{}\t{}\t{}",
                    k.user, k.user_id, k.fingerprint, k.created_at
                );
            }
        }
        Action::Add { user } => {
            let key = keyring.add(&user).map_err(|e| match e {
                ocrloom::jobs::Error::InvalidRequest(m) => Failure::usage(m),
                e => anyhow::Error::from(e).context("adding a key").into(),
            })?;
            println!("{}", key.expose());
        }
        Action::Revoke { user } => {
            let n = keyring.revoke(&user).context("revoking keys")?;
            if n == 0 {
                return Err(Failure::usage(format!("`{user}` has no keys")));
            }
            println!("{n} key(s) of `{user}` revoked");
        }
    }
    Ok(())
}
