/**
 * The example plugin of the plugin authors' guide ({@code docs/plugins.md}): a minimum-norm rank-one editor
 * ({@code example-rank-one}) and a target log-probability evaluator ({@code example-target-logprob}).
 */
package dev.amend.examples.rankone;
