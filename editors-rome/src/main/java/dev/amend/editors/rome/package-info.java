/** ROME: one fact, one layer, a rank-one update of the MLP output projection. */
package dev.amend.editors.rome;
