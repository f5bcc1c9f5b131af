//! A thin async layer over the browser's IndexedDB: open the page's database, get, get all, put, and puts and deletes
//! across stores, each awaited to its transaction's end so a full disk (QuotaExceededError) surfaces as an error
//! instead of passing silently.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// The page's database and its version (bump it, and extend `upgrade`, when a store is added).
const DB_NAME: &str = "scaling-lab";
const DB_VERSION: u32 = 2;
/// Object stores, each keyed by the `id` field of its values.
pub const RUNS: &str = "runs";
pub const CHECKPOINTS: &str = "checkpoints";
/// Which runs can continue exactly and from which step: small values the table reads without the checkpoints.
pub const RESUME: &str = "resume";

/// A storage failure as a sentence; the quota case says what to do.
pub fn describe(e: &JsValue) -> String {
    let name = js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    let message = js_sys::Reflect::get(e, &"message".into()).ok().and_then(|n| n.as_string());
    if name == "QuotaExceededError" {
        return "the browser's storage for this page is full (QuotaExceededError): delete or export old runs, \
                or free disk space; the run goes on but is no longer saved"
            .into();
    }
    match message {
        Some(m) if !m.is_empty() => format!("{name}: {m}"),
        _ => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}

/// Waits for a request's success; on failure returns the request's error.
async fn request(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    match JsFuture::from(promise).await {
        Ok(_) => req.result().map_err(|e| describe(&e)),
        Err(_) => Err(req.error().ok().flatten().map_or("IndexedDB request failed".into(), |e| describe(&e))),
    }
}

/// Waits for a transaction to commit; an abort (a full quota among others) comes back as its error.
async fn done(tx: &IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| tx.error().map_or("IndexedDB transaction aborted".into(), |e| describe(&e)))
}

/// Opens (creating or upgrading) the database.
pub async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser offers no IndexedDB (private mode?), so runs are not kept across reloads")?;
    let req: IdbOpenDbRequest = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(|e| describe(&e))?;
    let upgrade = wasm_bindgen::closure::Closure::once_into_js(move |e: web_sys::Event| {
        let Some(db) = e
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        else {
            return;
        };
        let names = db.object_store_names();
        for store in [RUNS, CHECKPOINTS, RESUME] {
            if !names.contains(store) {
                let params = IdbObjectStoreParameters::new();
                params.set_key_path(&"id".into());
                let _ = db.create_object_store_with_optional_parameters(store, &params);
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db = request(&req).await?;
    let db = db.dyn_into::<IdbDatabase>().map_err(|_| "IndexedDB gave no database".to_string())?;
    // A newer page in another tab upgrading the database waits until this one lets go.
    let me = db.clone();
    let close = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || me.close());
    db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
    close.forget();
    Ok(db)
}

fn tx(db: &IdbDatabase, store: &str, mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
    db.transaction_with_str_and_mode(store, mode).map_err(|e| describe(&e))
}

/// Every value in `store`.
pub async fn get_all(db: &IdbDatabase, store: &str) -> Result<Vec<JsValue>, String> {
    let t = tx(db, store, IdbTransactionMode::Readonly)?;
    let req = t.object_store(store).and_then(|s| s.get_all()).map_err(|e| describe(&e))?;
    let all = request(&req).await?;
    Ok(all.dyn_into::<Array>().map(|a| a.to_vec()).unwrap_or_default())
}

/// The value under `id` in `store`, if any.
pub async fn get(db: &IdbDatabase, store: &str, id: &str) -> Result<Option<JsValue>, String> {
    let t = tx(db, store, IdbTransactionMode::Readonly)?;
    let req = t.object_store(store).and_then(|s| s.get(&id.into())).map_err(|e| describe(&e))?;
    let v = request(&req).await?;
    Ok((!v.is_undefined()).then_some(v))
}

/// Writes every value (each with an `id` field) in one transaction: all are stored or none.
pub async fn put_all(db: &IdbDatabase, store: &str, values: &[JsValue]) -> Result<(), String> {
    let t = tx(db, store, IdbTransactionMode::Readwrite)?;
    let s = t.object_store(store).map_err(|e| describe(&e))?;
    for v in values {
        if let Err(e) = s.put(v) {
            let _ = t.abort();
            return Err(describe(&e));
        }
    }
    done(&t).await
}

/// Puts and deletes in several stores as one transaction: all happen or none.
pub async fn write(db: &IdbDatabase, puts: &[(&str, JsValue)], deletes: &[(&str, &str)]) -> Result<(), String> {
    let stores = Array::new();
    for name in puts.iter().map(|p| p.0).chain(deletes.iter().map(|d| d.0)) {
        if !stores.includes(&name.into(), 0) {
            stores.push(&name.into());
        }
    }
    let t =
        db.transaction_with_str_sequence_and_mode(&stores, IdbTransactionMode::Readwrite).map_err(|e| describe(&e))?;
    let result = puts
        .iter()
        .try_for_each(|(store, v)| t.object_store(store).and_then(|s| s.put(v)).map(|_| ()))
        .and_then(|_| {
            deletes
                .iter()
                .try_for_each(|(store, id)| t.object_store(store).and_then(|s| s.delete(&(*id).into())).map(|_| ()))
        });
    if let Err(e) = result {
        let _ = t.abort();
        return Err(describe(&e));
    }
    done(&t).await
}
