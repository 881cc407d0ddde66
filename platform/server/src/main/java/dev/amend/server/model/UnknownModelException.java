package dev.amend.server.model;

import java.util.List;

/** A request named a model this host does not serve (answered 404 / NOT_FOUND). */
public class UnknownModelException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception listing the served models. */
    public UnknownModelException(String name, List<String> known) {
        super("unknown model \"" + name + "\": this host serves " + String.join(", ", known));
    }
}
