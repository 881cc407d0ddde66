package dev.amend.runtime.editing;

import dev.amend.spi.edit.Edit;

/**
 * An edit as the editor returned it, with the time the editor took.
 *
 * @param edit    the edit
 * @param seconds wall time of {@code computeEdit}
 */
public record ComputedEdit(Edit edit, double seconds) {
}
