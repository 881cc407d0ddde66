/**
 * Metrics as plugins on the SPI, each tagged with its protocol: CounterFact probability comparison
 * and greedy exact match (efficacy, generalization, specificity), EasyEdit teacher-forced token
 * accuracy (reliability, generalization, portability, locality) and ROME's n-gram entropy fluency.
 */
package dev.amend.evaluators;
