/**
 * Benchmark runners on the edit pipeline: the CounterFact-style benchmark on the demo corpus and the long-form
 * benchmark (UnKEBench, EditEverything, MQuAKE-CF) with its file reader.
 */
package dev.amend.bench;
