/**
 * GRACE: edits as entries of a key-value codebook at one block, each with a deferral radius; the codebook replaces
 * the MLP output of a token whose key falls inside an entry's radius. Entries are adapters, so every edit can be
 * rolled back, replayed and shipped alone.
 */
package dev.amend.editors.grace;
