/** Long-form metrics (ROUGE, BLEU, MiniLM semantic similarity) and the UnKEBench / EditEverything / MQuAKE-CF runner. */
package dev.amend.evaluators.longform;
