//! A keychain for the tests, where the `keyring` crate reaches: kept in
//! memory for the calling thread (each test's scenes run on their own), or,
//! switched off, answering as a computer with no keychain does. Include it
//! with `#[path = "support/keychain.rs"] mod keychain;`.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use keyring::credential::{Credential, CredentialApi, CredentialBuilderApi};

thread_local! {
    static THERE: Cell<bool> = const { Cell::new(true) };
    static KEPT: RefCell<HashMap<String, Vec<u8>>> = RefCell::new(HashMap::new());
}

/// A fresh, empty keychain for this thread's next scene, or none at all.
pub fn fresh(there: bool) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| keyring::set_default_credential_builder(Box::new(Builder)));
    THERE.with(|t| t.set(there));
    KEPT.with(|k| k.borrow_mut().clear());
}

struct Builder;
struct Entry(String);

fn there() -> keyring::Result<()> {
    if THERE.with(Cell::get) {
        Ok(())
    } else {
        Err(keyring::Error::NoStorageAccess(
            "no keychain on this computer".into(),
        ))
    }
}

impl CredentialApi for Entry {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        there()?;
        KEPT.with(|k| k.borrow_mut().insert(self.0.clone(), secret.to_vec()));
        Ok(())
    }
    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        there()?;
        KEPT.with(|k| k.borrow().get(&self.0).cloned())
            .ok_or(keyring::Error::NoEntry)
    }
    fn delete_credential(&self) -> keyring::Result<()> {
        there()?;
        KEPT.with(|k| k.borrow_mut().remove(&self.0))
            .map(|_| ())
            .ok_or(keyring::Error::NoEntry)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CredentialBuilderApi for Builder {
    fn build(
        &self,
        _target: Option<&str>,
        service: &str,
        user: &str,
    ) -> keyring::Result<Box<Credential>> {
        Ok(Box::new(Entry(format!("{service}/{user}"))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
