/**
 * The kit: algorithm steps that every locate-then-edit method and evaluator shares, written once
 * against {@link dev.amend.spi.EditableModel}.
 */
package dev.amend.spi.kit;
