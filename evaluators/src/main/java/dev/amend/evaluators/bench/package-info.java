/** Benchmark runners: the CounterFact-style benchmark on the demo corpus. */
package dev.amend.evaluators.bench;
