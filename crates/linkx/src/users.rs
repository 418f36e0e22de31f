//! `linkx user …`: operator accounts for the browser desk.

use crate::cli::UserCommand;
use crate::clock::{Clock, SystemClock};
use crate::settings::UsageError;
use linkx_core::account::{UserName, check_new_password};
use linkx_store::{Store, StoreError};
use linkx_web::admin::auth::{FAILURE_WINDOW, hash_password};
use std::io::BufRead;

/// The password for an account: the first line of stdin, or a generated one (printed once).
fn password(name: &str, from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        // 20 random bytes, hex: 160 bits, no ambiguity when typed.
        return Ok((linkx_web::keys::random_hex(20), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| UsageError(format!("cannot read the password from standard input: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    check_new_password(&password, name).map_err(UsageError)?;
    Ok((password, false))
}

fn user_name(name: &str) -> anyhow::Result<UserName> {
    Ok(UserName::parse(name).map_err(|e| UsageError(format!("{name:?}: {e}")))?)
}

pub async fn run(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    let now = SystemClock.now();
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let name = user_name(&name)?;
            let (password, generated) = password(name.as_str(), password_stdin)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let user = store
                .add_user(name.as_str(), role.into(), &hash, now)
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate(_) => anyhow::Error::new(UsageError(format!(
                        "user {} exists: set a new password with `linkx user passwd {}`",
                        name.as_str(),
                        name.as_str()
                    ))),
                    other => other.into(),
                })?;
            store
                .audit(
                    "cli",
                    "user add",
                    &format!("added {} as {}", user.name, user.role.as_str()),
                    now,
                )
                .await?;
            println!("added user {} ({})", user.name, user.role.as_str());
            if generated {
                println!("password: {password}");
                println!("(shown once; log in at /admin/login and change it at /admin/password)");
            }
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let name = user_name(&name)?;
            let user = store.user_by_name(name.as_str()).await?.ok_or_else(|| {
                UsageError(format!("no user {}: see `linkx user list`", name.as_str()))
            })?;
            let (password, generated) = password(name.as_str(), password_stdin)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            store.set_password(user.id, &hash, now).await?;
            store
                .clear_login_failures(&user.name, now - FAILURE_WINDOW)
                .await?;
            store
                .audit(
                    "cli",
                    "password",
                    &format!("reset the password of {}", user.name),
                    now,
                )
                .await?;
            println!(
                "new password set for {}; their sessions have ended",
                user.name
            );
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List => {
            let users = store.list_users().await?;
            if users.is_empty() {
                println!("No users. Add one with `linkx user add NAME --role admin`.");
            }
            for u in users {
                println!(
                    "{:<24} {:<10} added {}",
                    u.name,
                    u.role.as_str(),
                    crate::sources::time(Some(u.created_at))
                );
            }
        }
        UserCommand::Remove { name } => {
            let name = user_name(&name)?;
            if !store.delete_user(name.as_str()).await? {
                return Err(UsageError(format!(
                    "no user {}: see `linkx user list`",
                    name.as_str()
                ))
                .into());
            }
            store
                .audit(
                    "cli",
                    "user remove",
                    &format!("removed {}", name.as_str()),
                    now,
                )
                .await?;
            println!("removed user {}", name.as_str());
        }
    }
    Ok(())
}
