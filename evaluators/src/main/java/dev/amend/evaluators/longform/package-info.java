/** Long-form metrics: ROUGE, BLEU and MiniLM semantic similarity. */
package dev.amend.evaluators.longform;
