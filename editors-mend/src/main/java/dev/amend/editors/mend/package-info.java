/** MEND: a learned editor that turns the per-token factors of a fine-tuning gradient into an update, and its trainer. */
package dev.amend.editors.mend;
