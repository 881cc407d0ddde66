/**
 * The durable edit ledger: every applied edit is written to disk (deltas as safetensors, a checksummed
 * JSON-lines journal, both fsynced) before it is acknowledged, replayed onto the base model on open,
 * rolled back exactly (restore from base, re-apply the rest), and shipped as patch files. The on-disk
 * format and the guarantees are in {@code docs/ledger.md}.
 */
package dev.amend.runtime.ledger;
