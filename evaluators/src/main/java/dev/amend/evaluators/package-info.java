/**
 * Metrics as plugins on the SPI, each tagged with its protocol: CounterFact probability comparison
 * and greedy exact match (efficacy, generalization, specificity), EasyEdit teacher-forced token
 * accuracy (reliability, generalization, portability, locality) and the n-gram entropy of greedy
 * generations (greedy_ngram_entropy, also reported as fluency, its former name).
 */
package dev.amend.evaluators;
