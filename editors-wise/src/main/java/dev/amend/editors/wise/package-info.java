/**
 * WISE: a side memory (a copy of one block's MLP output projection) that tokens are routed to when their activation
 * score exceeds a threshold learned from the edits; each edit trains a randomly masked shard of it, and finished
 * shards merge by TIES. Each edit's contribution is an adapter, so every edit can be rolled back, replayed and
 * shipped alone.
 */
package dev.amend.editors.wise;
