/**
 * Amend's service-provider interface: the contracts an editing method, an evaluator, a locator
 * and a chunker are written against, and the {@link dev.amend.spi.model.EditableModel} view of a model
 * they work through. Nothing here knows the host; the only dependency is DJL's api.
 */
package dev.amend.spi;
