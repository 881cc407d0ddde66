/** The fact corpus (CounterFact-style triples, templates, passages) and the splits evaluators use. */
package dev.amend.demo.corpus;
