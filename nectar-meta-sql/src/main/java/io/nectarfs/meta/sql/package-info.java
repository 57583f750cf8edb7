/**
 * The SQL metadata engines: the transactional key-value SPI ({@link io.nectarfs.meta.kv.TxnKv})
 * on one two-column table per volume ({@code k} primary key, {@code v} value) in SQLite
 * ({@code sqlite3://}), PostgreSQL ({@code postgres://}) and MySQL/MariaDB ({@code mysql://}).
 *
 * <p>Every dialect keeps the TxnKv contract (serializable transactions, conflicts reported as
 * {@link io.nectarfs.meta.kv.KvConflictException}) its own way: SQLite serializes writers with
 * {@code BEGIN IMMEDIATE} plus an in-process lock, PostgreSQL runs write transactions at
 * {@code SERIALIZABLE} (SSI), and InnoDB takes exclusive next-key locks with {@code FOR UPDATE} on
 * every read of a write transaction. Read-only transactions are consistent snapshots everywhere.
 *
 * <p>Only the three providers are public; they are found by {@link java.util.ServiceLoader}.
 */
package io.nectarfs.meta.sql;
