/** Benchmarks that print figures and ratios against a matmul measured in the same run. */
package dev.amend.runtime.bench;
