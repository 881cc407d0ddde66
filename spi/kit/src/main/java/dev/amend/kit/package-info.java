/**
 * The kit: algorithm steps that every locate-then-edit method and evaluator shares, written once
 * against {@link dev.amend.spi.model.EditableModel}.
 */
package dev.amend.kit;
