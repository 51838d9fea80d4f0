//! One conformance suite for both storage backends: a behaviour difference is a bug.

use erp_shared::store::{
    Condition, Index, Item, Key, Query, SkRange, Store, StoreError, Update, WriteOp, table,
};
use erp_tests::{Backend, fresh_store, on_both_backends};
use serde_json::{Value, json};

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut m = extra.as_object().cloned().unwrap_or_default();
    m.insert(table::PK.into(), pk.into());
    m.insert(table::SK.into(), sk.into());
    m
}

fn sks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["sk"].as_str().unwrap().to_string())
        .collect()
}

async fn conditional_put_update_delete(backend: Backend) {
    let s = fresh_store(backend).await;
    let k = Key::new("T#1", "A");
    s.put(
        item("T#1", "A", json!({"version": 1, "name": "one"})),
        Some(Condition::NotExists),
    )
    .await
    .unwrap();
    let again = s
        .put(
            item("T#1", "A", json!({"version": 1})),
            Some(Condition::NotExists),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::ConditionFailed)),
        "{again:?}"
    );

    let stale = s
        .update(
            &k,
            vec![Update::set("name", "two")],
            Some(Condition::version_is(7)),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)));
    let new = s
        .update(
            &k,
            vec![Update::set("name", "two"), Update::add("version", 1)],
            Some(Condition::version_is(1)),
        )
        .await
        .unwrap();
    assert_eq!(new["name"], "two");
    assert_eq!(new["version"], 2);

    let kept = s
        .update(
            &k,
            vec![
                Update::SetIfMissing("name".into(), "x".into()),
                Update::remove("missing"),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(kept["name"], "two");

    let gt = s
        .update(
            &k,
            vec![Update::add("version", 1)],
            Some(Condition::Gt("version".into(), 5.into())),
        )
        .await;
    assert!(matches!(gt, Err(StoreError::ConditionFailed)));
    let ne = s
        .update(
            &k,
            vec![Update::set("x", 1)],
            Some(Condition::NotEq("nope".into(), 1.into())),
        )
        .await;
    assert!(ne.is_ok(), "NotEq holds on a missing attribute");

    let wrong = s.delete(&k, Some(Condition::eq("name", "one"))).await;
    assert!(matches!(wrong, Err(StoreError::ConditionFailed)));
    s.delete(&k, Some(Condition::Exists)).await.unwrap();
    assert!(s.get(&k).await.unwrap().is_none());
    let gone = s.delete(&k, Some(Condition::Exists)).await;
    assert!(matches!(gone, Err(StoreError::ConditionFailed)));

    // Updating a missing item creates it, as DynamoDB does.
    let created = s
        .update(&Key::new("T#2", "A"), vec![Update::add("n", 3)], None)
        .await
        .unwrap();
    assert_eq!(created["n"], 3);
    assert_eq!(created["pk"], "T#2");
}

async fn transactions_fail_as_a_whole(backend: Backend) {
    let s = fresh_store(backend).await;
    s.put(item("T#1", "A", json!({"n": 1})), None)
        .await
        .unwrap();
    let err = s
        .transact(vec![
            WriteOp::put(item("T#2", "A", json!({"n": 2}))),
            WriteOp::Update {
                key: Key::new("T#3", "A"),
                updates: vec![Update::add("n", 1)],
                condition: None,
            },
            WriteOp::Put {
                item: item("T#1", "A", json!({"n": 9})),
                condition: Some(Condition::NotExists),
            },
        ])
        .await
        .unwrap_err();
    assert!(err.failed_op(2), "{err:?}");
    assert!(!err.failed_op(0));
    assert!(
        s.get(&Key::new("T#2", "A")).await.unwrap().is_none(),
        "nothing of a failed transaction is written"
    );
    assert!(s.get(&Key::new("T#3", "A")).await.unwrap().is_none());
    assert_eq!(s.get(&Key::new("T#1", "A")).await.unwrap().unwrap()["n"], 1);

    s.transact(vec![
        WriteOp::put(item("T#2", "A", json!({"n": 2}))),
        WriteOp::Check {
            key: Key::new("T#1", "A"),
            condition: Condition::eq("n", 1),
        },
        WriteOp::Delete {
            key: Key::new("T#9", "A"),
            condition: None,
        },
    ])
    .await
    .unwrap();
    assert_eq!(s.get(&Key::new("T#2", "A")).await.unwrap().unwrap()["n"], 2);

    let twice = s
        .transact(vec![
            WriteOp::put(item("T#4", "A", json!({}))),
            WriteOp::put(item("T#4", "A", json!({}))),
        ])
        .await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))));
}

async fn queries_order_filter_and_page(backend: Backend) {
    let s = fresh_store(backend).await;
    for i in 0..25 {
        s.put(item("P#1", &format!("L#{i:03}"), json!({"i": i})), None)
            .await
            .unwrap();
    }
    s.put(item("P#1", "Z#000", json!({})), None).await.unwrap();
    s.put(item("P#2", "L#000", json!({})), None).await.unwrap();

    let all = s
        .query(Query::table("P#1").range(SkRange::BeginsWith("L#".into())))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 25);
    assert!(all.cursor.is_none());
    assert_eq!(sks(&all.items)[0], "L#000");

    let back = s
        .query(
            Query::table("P#1")
                .range(SkRange::BeginsWith("L#".into()))
                .backwards()
                .limit(3),
        )
        .await
        .unwrap();
    assert_eq!(sks(&back.items), ["L#024", "L#023", "L#022"]);

    let between = s
        .query(Query::table("P#1").range(SkRange::Between("L#005".into(), "L#007".into())))
        .await
        .unwrap();
    assert_eq!(sks(&between.items), ["L#005", "L#006", "L#007"]);

    let eq = s
        .query(Query::table("P#1").range(SkRange::Eq("Z#000".into())))
        .await
        .unwrap();
    assert_eq!(eq.items.len(), 1);

    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = s
                .query(
                    Query::table("P#1")
                        .range(SkRange::BeginsWith("L#".into()))
                        .forward(forward)
                        .limit(10)
                        .after(cursor),
                )
                .await
                .unwrap();
            seen.extend(sks(&page.items));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let mut expected: Vec<String> = (0..25).map(|i| format!("L#{i:03}")).collect();
        if !forward {
            expected.reverse();
        }
        assert_eq!(seen, expected, "forward={forward}");
    }

    // Exactly one full page: no cursor, no empty trailing page.
    let exact = s
        .query(
            Query::table("P#1")
                .range(SkRange::BeginsWith("L#".into()))
                .limit(25),
        )
        .await
        .unwrap();
    assert!(exact.cursor.is_none());
}

async fn index_queries(backend: Backend) {
    let s = fresh_store(backend).await;
    let (p, k) = Index::Gsi1.attributes();
    for (id, name) in [
        ("1", "carol"),
        ("2", "alice"),
        ("3", "bob"),
        ("4", "alicia"),
    ] {
        s.put(
            item(
                &format!("C#{id}"),
                "C",
                json!({p: "CUSTOMERS", k: name, "name": name}),
            ),
            None,
        )
        .await
        .unwrap();
    }
    s.put(item("C#5", "C", json!({"name": "not indexed"})), None)
        .await
        .unwrap();
    let all = s
        .query(Query::index(Index::Gsi1, "CUSTOMERS"))
        .await
        .unwrap();
    let names: Vec<&str> = all
        .items
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "alicia", "bob", "carol"]);
    let prefix = s
        .query(Query::index(Index::Gsi1, "CUSTOMERS").range(SkRange::BeginsWith("ali".into())))
        .await
        .unwrap();
    assert_eq!(prefix.items.len(), 2);

    let first = s
        .query(Query::index(Index::Gsi1, "CUSTOMERS").limit(3))
        .await
        .unwrap();
    let rest = s
        .query(
            Query::index(Index::Gsi1, "CUSTOMERS")
                .limit(3)
                .after(first.cursor.clone()),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0]["name"], "carol");

    // Changing and removing index keys moves the item in or out of the index.
    s.update(&Key::new("C#1", "C"), vec![Update::set(k, "aaron")], None)
        .await
        .unwrap();
    s.update(&Key::new("C#3", "C"), vec![Update::remove(p)], None)
        .await
        .unwrap();
    let after = s
        .query(Query::index(Index::Gsi1, "CUSTOMERS"))
        .await
        .unwrap();
    let keys: Vec<&str> = after.items.iter().map(|i| i[k].as_str().unwrap()).collect();
    assert_eq!(keys, ["aaron", "alice", "alicia"]);
}

async fn ttl_items_read_as_absent_once_expired(backend: Backend) {
    let s = fresh_store(backend).await;
    let now = chrono::Utc::now().timestamp();
    s.put(item("S#1", "S", json!({"ttl": now - 10})), None)
        .await
        .unwrap();
    s.put(item("S#1", "T", json!({"ttl": now + 3600})), None)
        .await
        .unwrap();
    assert!(s.get(&Key::new("S#1", "S")).await.unwrap().is_none());
    assert!(s.get(&Key::new("S#1", "T")).await.unwrap().is_some());
    let q = s.query(Query::table("S#1")).await.unwrap();
    assert_eq!(sks(&q.items), ["T"]);
    let b = s
        .batch_get(&[Key::new("S#1", "S"), Key::new("S#1", "T")])
        .await
        .unwrap();
    assert_eq!(sks(&b), ["T"]);
}

async fn batch_get_returns_found_items_in_key_order(backend: Backend) {
    let s = fresh_store(backend).await;
    for i in 0..30 {
        s.put(item(&format!("B#{i}"), "B", json!({"i": i})), None)
            .await
            .unwrap();
    }
    let keys: Vec<Key> = (0..35)
        .rev()
        .map(|i| Key::new(format!("B#{i}"), "B"))
        .collect();
    let found = s.batch_get(&keys).await.unwrap();
    assert_eq!(found.len(), 30);
    assert_eq!(found[0]["i"], 29);
    assert_eq!(found[29]["i"], 0);
}

async fn concurrent_increments_lose_nothing(backend: Backend) {
    let s: Store = fresh_store(backend).await;
    let k = Key::new("COUNTER#x", "COUNTER");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = s.clone();
            let k = k.clone();
            tokio::spawn(
                async move { s.update(&k, vec![Update::add("n", 1)], None).await.unwrap() },
            )
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.get(&k).await.unwrap().unwrap()["n"], 50);

    // Conditional claims: of 20 racing creators exactly one wins.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.put(
                    item("GUARD#sku", "GUARD", json!({"by": i})),
                    Some(Condition::NotExists),
                )
                .await
                .is_ok()
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += t.await.unwrap() as usize;
    }
    assert_eq!(wins, 1);
}

async fn round_trips_are_counted(backend: Backend) {
    let s = fresh_store(backend).await;
    let before = s.round_trips();
    s.get(&Key::new("X", "Y")).await.unwrap();
    s.transact(vec![WriteOp::put(item("X", "Y", json!({})))])
        .await
        .unwrap();
    assert_eq!(s.round_trips() - before, 2);
}

async fn scan_pages_through_every_item_once(backend: Backend) {
    let s = fresh_store(backend).await;
    let empty = s.scan(None, 10).await.unwrap();
    assert!(empty.items.is_empty() && empty.cursor.is_none());
    assert!(matches!(s.scan(None, 0).await, Err(StoreError::Invalid(_))));

    let mut expected = std::collections::BTreeSet::new();
    for p in 0..9 {
        for k in 0..3 {
            let (pk, sk) = (format!("SCAN#{p}"), format!("S#{k}"));
            s.put(item(&pk, &sk, json!({"p": p, "k": k})), None)
                .await
                .unwrap();
            expected.insert((pk, sk));
        }
    }
    // Expired items are not part of the table, as for every other read.
    let now = chrono::Utc::now().timestamp();
    s.put(item("SCAN#4", "S#gone", json!({"ttl": now - 10})), None)
        .await
        .unwrap();

    let before = s.round_trips();
    let (mut seen, mut pages, mut cursor) = (Vec::new(), 0, None);
    loop {
        let page = s.scan(cursor, 7).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        for i in &page.items {
            let key = Key::of(i).unwrap();
            assert_eq!(i["p"], json!(key.pk[5..].parse::<i64>().unwrap()));
            seen.push((key.pk, key.sk));
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert!(pages >= 4, "{pages} pages");
    assert_eq!(s.round_trips() - before, pages, "one round trip per page");
    assert_eq!(seen.len(), expected.len(), "no item twice");
    assert_eq!(
        seen.into_iter().collect::<std::collections::BTreeSet<_>>(),
        expected
    );

    // A page that ends exactly at the last item says nothing more follows.
    let t = fresh_store(backend).await;
    for k in 0..5 {
        t.put(item("EXACT", &format!("{k}"), json!({})), None)
            .await
            .unwrap();
    }
    let all = t.scan(None, 5).await.unwrap();
    assert_eq!(all.items.len(), 5);
    assert!(all.cursor.is_none());
    let first = t.scan(None, 2).await.unwrap();
    let rest = t.scan(first.cursor, 3).await.unwrap();
    assert_eq!(first.items.len() + rest.items.len(), 5);
    assert!(rest.cursor.is_none());
}

on_both_backends!(
    scan_pages_through_every_item_once,
    conditional_put_update_delete,
    transactions_fail_as_a_whole,
    queries_order_filter_and_page,
    index_queries,
    ttl_items_read_as_absent_once_expired,
    batch_get_returns_found_items_in_key_order,
    concurrent_increments_lose_nothing,
    round_trips_are_counted,
);
