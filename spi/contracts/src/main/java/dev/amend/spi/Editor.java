package dev.amend.spi;

import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import java.util.List;

/**
 * An editing method configured with its hyperparameters. It computes an {@link Edit} and leaves the
 * model as it found it: the caller applies the edit (so that it can be recorded first).
 */
public interface Editor {

    /**
     * Returns the edit that writes {@code requests} into {@code model}; the model's weights are the
     * same before and after the call (an editor that changes weights while working restores them).
     *
     * @throws InvalidRequestException when a request cannot be served (subject not in the prompt, too long, ...)
     */
    Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext context);
}
